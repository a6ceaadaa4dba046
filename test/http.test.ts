import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { test } from 'node:test';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { autoconfigXml } from '../src/http/autoconfig.ts';
import { requestedAddress } from '../src/http/autodiscover.ts';
import { renderMetrics } from '../src/metrics/registry.ts';
import { mailServices } from '../src/net/services.ts';
import { floodUntilClosed } from './helpers/hostile.ts';
import { fetchText, python, startFullServer } from './helpers/http.ts';
import { addAccount, HOSTNAME, PASSWORD, serverCa } from './helpers/pop3.ts';
import { requireTool } from './helpers/smtp.ts';

const ALICE = 'alice@example.org';

/** What Thunderbird's readFromXML takes from a config file, read with Python's XML parser. */
const THUNDERBIRD = `
import json, sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
assert root.tag == 'clientConfig' and root.get('version') == '1.1'
p = root.find('emailProvider')
def server(e):
    return {k: e.findtext(k) for k in ('hostname', 'port', 'socketType', 'authentication', 'username')} | {'type': e.get('type')}
print(json.dumps({'id': p.get('id'), 'domains': [d.text for d in p.findall('domain')],
  'incoming': [server(e) for e in p.findall('incomingServer')], 'outgoing': [server(e) for e in p.findall('outgoingServer')]}))
`;

const OUTLOOK = `
import json, sys, xml.etree.ElementTree as ET
ns = {'a': 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006', 'o': 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a'}
root = ET.fromstring(sys.stdin.read())
acct = root.find('o:Response/o:Account', ns)
print(json.dumps({'action': acct.findtext('o:Action', namespaces=ns), 'protocols': [
  {k: p.findtext('o:' + k, namespaces=ns) for k in ('Type', 'Server', 'Port', 'LoginName', 'Encryption', 'AuthRequired')} for p in acct.findall('o:Protocol', ns)]}))
`;

const PLIST = `
import json, plistlib, sys
p = plistlib.loads(sys.stdin.buffer.read())
print(json.dumps({'type': p['PayloadType'], 'content': p['PayloadContent']}))
`;

const POX_REQUEST = (address: string) => `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>${address}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

interface TbServer {
  type: string;
  hostname: string;
  port: string;
  socketType: string;
  authentication: string;
  username: string;
}

test('autoconfig answers with the ports really served, and a client logs in with them', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { store, port } = await startFullServer(t);
  await addAccount(store, ALICE);
  const ca = await serverCa(store);

  const byAddress = await fetchText(port('http'), `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(ALICE)}`, { host: 'autoconfig.example.org' });
  assert.equal(byAddress.status, 200);
  assert.match(String(byAddress.headers['content-type']), /^application\/xml/);
  const wellKnown = await fetchText(port('https'), '/.well-known/autoconfig/mail/config-v1.1.xml', { host: 'example.org', ca });
  assert.equal(wellKnown.status, 200);
  assert.equal(wellKnown.body, byAddress.body, 'the domain from the Host header gives the same file');

  const tb = python<{ id: string; domains: string[]; incoming: TbServer[]; outgoing: TbServer[] }>(THUNDERBIRD, byAddress.body);
  assert.equal(tb.id, 'example.org');
  assert.deepEqual(tb.domains, ['example.org']);
  const entry = (type: string, p: number, socketType: string) => ({ type, hostname: HOSTNAME, port: String(p), socketType, authentication: 'password-cleartext', username: '%EMAILADDRESS%' });
  assert.deepEqual(tb.incoming, [
    entry('imap', port('imaps'), 'SSL'),
    entry('imap', port('imap'), 'STARTTLS'),
    entry('pop3', port('pop3s'), 'SSL'),
    entry('pop3', port('pop3'), 'STARTTLS'),
  ]);
  assert.deepEqual(tb.outgoing, [entry('smtp', port('submissions'), 'SSL'), entry('smtp', port('submission'), 'STARTTLS')]);

  // The first incoming and outgoing entries are what Thunderbird picks: use them as it would.
  const incoming = tb.incoming[0]!;
  const imap = new ImapFlow({
    host: '127.0.0.1',
    port: Number(incoming.port),
    secure: incoming.socketType === 'SSL',
    tls: { servername: incoming.hostname, ca },
    auth: { user: incoming.username.replace('%EMAILADDRESS%', ALICE), pass: PASSWORD },
    logger: false,
  });
  await imap.connect();
  assert.ok(imap.authenticated);
  await imap.logout();
  const outgoing = tb.outgoing[1]!;
  const smtp = nodemailer.createTransport({
    host: '127.0.0.1',
    port: Number(outgoing.port),
    secure: outgoing.socketType === 'SSL',
    requireTLS: outgoing.socketType === 'STARTTLS',
    tls: { servername: outgoing.hostname, ca },
    auth: { user: ALICE, pass: PASSWORD },
  });
  await smtp.verify();
  smtp.close();
});

test('autoconfig XML escapes names and lists only the listeners that are on', () => {
  const xml = autoconfigXml('a&b.example', 'mail<x>', mailServices({ imaps: 993, submission: 587 }));
  assert.match(xml, /<domain>a&amp;b\.example<\/domain>/);
  assert.match(xml, /<hostname>mail&lt;x&gt;<\/hostname>/);
  assert.equal(xml.match(/<incomingServer /g)?.length, 1);
  assert.equal(xml.match(/<outgoingServer /g)?.length, 1);
  assert.doesNotMatch(xml, /setupServer/);
  // ManageSieve, where the autoconfig draft puts it: a setupServer after the emailProvider.
  const withSieve = autoconfigXml('example.org', 'mail.example.org', mailServices({ imaps: 993 }), 4190);
  assert.match(withSieve, /<\/emailProvider>\n  <setupServer type="managesieve">\n    <hostname>mail\.example\.org<\/hostname>\n    <port>4190<\/port>\n    <socketType>STARTTLS<\/socketType>\n/);
});

test('Outlook Autodiscover (POX and the JSON probe), the Apple profile and MTA-STS', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { store, port } = await startFullServer(t, (c) => {
    c.mta_sts.mode = 'enforce';
  });
  await addAccount(store, ALICE);
  const ca = await serverCa(store);

  const pox = await fetchText(port('https'), '/autodiscover/autodiscover.xml', { method: 'POST', body: POX_REQUEST('Alice@Example.org'), ca, headers: { 'Content-Type': 'text/xml' } });
  assert.equal(pox.status, 200);
  const outlook = python<{ action: string; protocols: Record<string, string>[] }>(OUTLOOK, pox.body);
  assert.equal(outlook.action, 'settings');
  assert.deepEqual(outlook.protocols, [
    { Type: 'IMAP', Server: HOSTNAME, Port: String(port('imaps')), LoginName: ALICE, Encryption: 'SSL', AuthRequired: 'on' },
    { Type: 'POP3', Server: HOSTNAME, Port: String(port('pop3s')), LoginName: ALICE, Encryption: 'SSL', AuthRequired: 'on' },
    { Type: 'SMTP', Server: HOSTNAME, Port: String(port('submissions')), LoginName: ALICE, Encryption: 'SSL', AuthRequired: 'on' },
  ]);
  // Outlook's own casing of the path works too.
  assert.equal((await fetchText(port('http'), '/Autodiscover/Autodiscover.xml', { method: 'POST', body: POX_REQUEST(ALICE) })).status, 200);

  const probe = await fetchText(port('https'), `/autodiscover/autodiscover.json/v1.0/${ALICE}?Protocol=AutodiscoverV1`, { ca });
  assert.equal(probe.status, 200);
  assert.deepEqual(JSON.parse(probe.body), { Protocol: 'AutodiscoverV1', Url: `https://${HOSTNAME}/autodiscover/autodiscover.xml` });
  const byQuery = await fetchText(port('http'), `/autodiscover/autodiscover.json?Email=${ALICE}&Protocol=AutodiscoverV1`);
  assert.equal(byQuery.body, probe.body);
  const otherProtocol = await fetchText(port('http'), `/autodiscover/autodiscover.json/v1.0/${ALICE}?Protocol=ActiveSync`);
  assert.equal(otherProtocol.status, 400);
  assert.equal(JSON.parse(otherProtocol.body).ErrorCode, 'InvalidProtocol');

  const profile = await fetchText(port('https'), `/mail.mobileconfig?emailaddress=${ALICE}`, { ca });
  assert.equal(profile.status, 200);
  assert.equal(profile.headers['content-type'], 'application/x-apple-aspen-config');
  assert.match(String(profile.headers['content-disposition']), /attachment; filename="alice@example\.org\.mobileconfig"/);
  const apple = python<{ type: string; content: Record<string, unknown>[] }>(PLIST, profile.body);
  assert.equal(apple.type, 'Configuration');
  assert.equal(apple.content.length, 1);
  assert.deepEqual(
    Object.fromEntries(['PayloadType', 'EmailAccountType', 'EmailAddress', 'IncomingMailServerHostName', 'IncomingMailServerPortNumber', 'IncomingMailServerUseSSL', 'OutgoingMailServerPortNumber', 'OutgoingMailServerUseSSL', 'OutgoingMailServerUsername'].map((k) => [k, apple.content[0]![k]])),
    {
      PayloadType: 'com.apple.mail.managed',
      EmailAccountType: 'EmailTypeIMAP',
      EmailAddress: ALICE,
      IncomingMailServerHostName: HOSTNAME,
      IncomingMailServerPortNumber: port('imaps'),
      IncomingMailServerUseSSL: true,
      OutgoingMailServerPortNumber: port('submissions'),
      OutgoingMailServerUseSSL: true,
      OutgoingMailServerUsername: ALICE,
    },
  );

  const sts = await fetchText(port('https'), '/.well-known/mta-sts.txt', { host: 'mta-sts.example.org', ca });
  assert.equal(sts.status, 200);
  assert.equal(sts.body, `version: STSv1\r\nmode: enforce\r\nmx: ${HOSTNAME}\r\nmax_age: 604800\r\n`);
});

test('bad requests get 4xx answers and the server keeps serving', async (t) => {
  const { store, port } = await startFullServer(t);
  await addAccount(store, ALICE);
  const http = port('http');
  const cases: [string, { method?: string; body?: string; host?: string }, number][] = [
    ['/nothing-here', {}, 404],
    ['/healthz', { method: 'DELETE' }, 405],
    ['/autodiscover/autodiscover.xml', { method: 'PUT' }, 405],
    ['/mail/config-v1.1.xml', { host: 'autoconfig.unknown.example' }, 404],
    ['/mail/config-v1.1.xml?emailaddress=bob@unknown.example', {}, 404],
    ['/mail/config-v1.1.xml?emailaddress=not-an-address', {}, 400],
    ['/mail/config-v1.1.xml?emailaddress=' + 'a'.repeat(5000) + '@example.org', {}, 400],
    ['/mail.mobileconfig', {}, 400],
    ['/autodiscover/autodiscover.xml', { method: 'POST', body: '<Autodiscover><Request></Request></Autodiscover>' }, 400],
    ['/autodiscover/autodiscover.xml', { method: 'POST', body: '<' + 'x'.repeat(100_000) }, 413],
    ['/autodiscover/autodiscover.json', {}, 400],
    ['/.well-known/acme-challenge/unknown-token', {}, 404],
    ['/.well-known/acme-challenge/../../etc/passwd', {}, 404],
  ];
  for (const [path, opts, status] of cases) {
    const reply = await fetchText(http, path, opts);
    assert.equal(reply.status, status, `${opts.method ?? 'GET'} ${path.slice(0, 60)}`);
  }
  const allow = await fetchText(http, '/healthz', { method: 'POST' });
  assert.equal(allow.headers.allow, 'GET, HEAD');

  // Not HTTP at all, on both ports: a 400 or a closed connection, never a crash.
  const raw = connect(http, '127.0.0.1');
  raw.end('\x00\x01 garbage \r\n\r\n');
  const answer: Buffer[] = [];
  raw.on('data', (d: Buffer) => answer.push(d));
  await once(raw, 'close');
  assert.match(Buffer.concat(answer).toString(), /^HTTP\/1\.1 400/);
  const tlsRaw = connect(port('https'), '127.0.0.1');
  tlsRaw.on('error', () => {});
  tlsRaw.end('GET / HTTP/1.1\r\n\r\n');
  await once(tlsRaw, 'close');

  const health = await fetchText(http, '/healthz');
  assert.deepEqual([health.status, health.body], [200, 'ok\n']);
});

test('/metrics counts connections, deliveries and failed logins, and shows the certificate expiry', async (t) => {
  const { server, store, port } = await startFullServer(t);
  await addAccount(store, ALICE);
  const value = (text: string, series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  const before = renderMetrics();

  const smtp = nodemailer.createTransport({ host: '127.0.0.1', port: port('smtp'), secure: false, ignoreTLS: true });
  await smtp.sendMail({ from: 'bob@example.net', to: ALICE, subject: 'hi', text: 'hello' });
  smtp.close();
  const badLogin = new ImapFlow({ host: '127.0.0.1', port: port('imap'), secure: false, doSTARTTLS: false, auth: { user: ALICE, pass: 'wrong password' }, logger: false });
  badLogin.on('error', () => {});
  await assert.rejects(badLogin.connect());

  const reply = await fetchText(port('http'), '/metrics');
  assert.equal(reply.status, 200);
  assert.match(String(reply.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  const after = reply.body;
  assert.match(after, /^# TYPE mailfold_messages_received_total counter$/m);
  assert.equal(value(after, 'mailfold_messages_received_total') - value(before, 'mailfold_messages_received_total'), 1);
  assert.equal(value(after, 'mailfold_messages_delivered_total') - value(before, 'mailfold_messages_delivered_total'), 1);
  assert.equal(value(after, 'mailfold_auth_failures_total') - value(before, 'mailfold_auth_failures_total'), 1);
  assert.ok(value(after, 'mailfold_connections_total{listener="smtp"}') > value(before, 'mailfold_connections_total{listener="smtp"}'));
  assert.ok(value(after, 'mailfold_connections_total{listener="imap"}') > value(before, 'mailfold_connections_total{listener="imap"}'));
  const expiry = value(after, `mailfold_certificate_expiry_timestamp_seconds{name="${HOSTNAME}",source="self-signed"}`);
  assert.equal(expiry, Math.floor(new Date(server.certificates.provider.x509().validTo).getTime() / 1000));
});

test('the Autodiscover request reader takes the address and nothing else', () => {
  assert.equal(requestedAddress(POX_REQUEST('a@b.example')), 'a@b.example');
  assert.equal(requestedAddress('<a:EMailAddress> a@b.example </a:EMailAddress>'), 'a@b.example');
  assert.equal(requestedAddress('<EMailAddress></EMailAddress>'), null);
  assert.equal(requestedAddress('<EMailAddress>a<b>@c</EMailAddress>'), null);
  assert.equal(requestedAddress('x'.repeat(20000)), null);
});

test('an autodiscover POST body over 16 KiB gets 413 and the connection is closed, however long the body is', async (t) => {
  const { port } = await startFullServer(t);
  const socket = connect({ host: '127.0.0.1', port: port('http') });
  await once(socket, 'connect');
  const received: Buffer[] = [];
  socket.on('data', (data: Buffer) => received.push(data));
  socket.write(`POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: ${HOSTNAME}\r\nContent-Type: text/xml\r\nContent-Length: 1000000000\r\n\r\n`);
  const written = await floodUntilClosed(socket, Buffer.alloc(64 * 1024, 'x'));
  assert.match(Buffer.concat(received).toString('latin1'), /^HTTP\/1\.1 413 [^\r]*\r\n(?:[^\r]+\r\n)*Connection: close\r\n/i);
  assert.ok(written < 100_000_000, `the client wrote ${written} bytes before the server closed`);
});

test('Outlook\'s GET of autodiscover.xml: plain HTTP redirects to the HTTPS URL, HTTPS answers Exchange\'s error 600', async (t) => {
  const { store, port } = await startFullServer(t);
  const ca = await serverCa(store);
  for (const path of ['/autodiscover/autodiscover.xml', '/Autodiscover/Autodiscover.xml']) {
    const redirect = await fetchText(port('http'), path, { host: 'autodiscover.example.org' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.location, `https://${HOSTNAME}:${port('https')}/autodiscover/autodiscover.xml`);
  }
  const answer = await fetchText(port('https'), '/autodiscover/autodiscover.xml', { ca });
  assert.equal(answer.status, 200);
  const error = python<{ code: string; message: string }>(
    `
import json, sys, xml.etree.ElementTree as ET
ns = {'a': 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006'}
root = ET.fromstring(sys.stdin.read())
print(json.dumps({'code': root.find('a:Response/a:Error/a:ErrorCode', ns).text, 'message': root.find('a:Response/a:Error/a:Message', ns).text}))
`,
    answer.body,
  );
  assert.deepEqual(error, { code: '600', message: 'Invalid Request' });
});

test('with HTTPS off, a plain-HTTP GET of autodiscover.xml is 404, not a redirect to nowhere', async (t) => {
  const { port } = await startFullServer(t, (c) => {
    c.listeners.https.enabled = false;
  });
  assert.equal((await fetchText(port('http'), '/autodiscover/autodiscover.xml')).status, 404);
});
