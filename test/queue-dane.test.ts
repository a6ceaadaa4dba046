import assert from 'node:assert/strict';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTransport } from 'nodemailer';
import { pino } from 'pino';
import { startDns, type Zone } from './helpers/dns.ts';
import { tempDir } from './helpers/env.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { untilQueue } from './helpers/queue.ts';
import { addAccount, inbox, PASSWORD, startSmtpServer } from './helpers/smtp.ts';
import { TestCa } from './helpers/test-ca.ts';

/** An MTA with a certificate (leaf and the test CA) for every mx.*.test name below. */
const TLS_PEER = '127.0.0.31';
/** An MTA without STARTTLS. */
const PLAIN_PEER = '127.0.0.32';
/** An MTA with a certificate that offers REQUIRETLS. */
const REQUIRETLS_PEER = '127.0.0.33';

const spkiSha256 = (pem: string): string => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('hex');

test('DANE: a matching TLSA record delivers, ahead of MTA-STS; a wrong one, a SERVFAIL or no STARTTLS defers; without the AD bit it is opportunistic', async (t) => {
  const ca = await TestCa.create();
  const names = ['match', 'ta', 'nomatch', 'unsigned', 'servfail', 'unusable', 'stsonly'].map((d) => `mx.${d}.test`);
  const cert = await ca.issue(names);
  const port = await sharedPort([TLS_PEER, PLAIN_PEER]);
  const tlsPeer = await startPeer(t, TLS_PEER, port, { tls: { keyPem: cert.keyPem, certPem: cert.certPem + ca.certPem } });
  const plainPeer = await startPeer(t, PLAIN_PEER, port, { noStartTls: true });

  const wrong = randomBytes(32).toString('hex');
  const zone: Zone = {};
  const domain = (name: string, address: string, tlsa: string[]) => {
    zone[`${name}.test`] = { mx: [[10, `mx.${name}.test`]] };
    zone[`mx.${name}.test`] = { a: [address] };
    if (tlsa.length > 0) zone[`_${port}._tcp.mx.${name}.test`] = { tlsa };
  };
  domain('match', TLS_PEER, [`3 1 1 ${wrong}`, `3 1 1 ${spkiSha256(cert.certPem)}`]);
  domain('ta', TLS_PEER, [`2 1 1 ${spkiSha256(ca.certPem)}`]);
  domain('nomatch', TLS_PEER, [`3 1 1 ${wrong}`, `1 1 1 ${spkiSha256(cert.certPem)}`]);
  domain('unsigned', TLS_PEER, [`3 1 1 ${wrong}`]);
  domain('servfail', TLS_PEER, [`3 1 1 ${spkiSha256(cert.certPem)}`]);
  domain('notls', PLAIN_PEER, [`3 1 1 ${spkiSha256(cert.certPem)}`]);
  domain('unusable', TLS_PEER, [`0 1 1 ${wrong}`]);
  domain('nodane', PLAIN_PEER, []);
  // MTA-STS enforce with a policy that does not list the MX: DANE comes first (RFC 8461 section 2).
  domain('stsdane', TLS_PEER, [`3 1 1 ${spkiSha256(cert.certPem)}`]);
  // MTA-STS enforce listing the MX, no TLSA: the policy decides, the certificate is checked against the CA.
  domain('stsonly', TLS_PEER, []);
  for (const name of ['stsdane', 'stsonly']) zone[`_mta-sts.${name}.test`] = { txt: ['v=STSv1; id=dane1'] };
  const dns = await startDns(t, zone);
  for (const name of ['match', 'ta', 'nomatch', 'servfail', 'notls', 'unusable', 'nodane', 'stsdane', 'stsonly']) dns.signed.add(`${name}.test`);
  dns.servfail.add(`_${port}._tcp.mx.servfail.test`);

  const caFile = join(tempDir(t), 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const a = await startSmtpServer(
    t,
    (c) => {
      c.queue.mx_port = port;
      c.dns.servers = [dns.server];
      c.smtp.dane = { enabled: true, resolver: dns.server };
      c.queue.ca_file = caFile;
    },
    log,
  );
  // Policies as if fetched before: the TXT record names the same id, so they are used without a fetch.
  const expires = new Date(Date.now() + 86400_000).toISOString();
  await a.store.putMtaStsPolicy('stsdane.test', { id: 'dane1', mode: 'enforce', mx: ['mx.elsewhere.test'], expires, maxAge: 86400, version: 'STSv1' });
  await a.store.putMtaStsPolicy('stsonly.test', { id: 'dane1', mode: 'enforce', mx: ['mx.stsonly.test'], expires, maxAge: 86400, version: 'STSv1' });
  await addAccount(a.store, 'alice@a.test');
  const rcpts = ['one@match.test', 'two@ta.test', 'three@nomatch.test', 'four@unsigned.test', 'five@servfail.test', 'six@notls.test', 'seven@unusable.test', 'eight@nodane.test', 'nine@stsdane.test', 'ten@stsonly.test'];
  await createTransport({ host: '127.0.0.1', port: a.submission, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } }).sendMail({
    from: 'alice@a.test',
    to: rcpts,
    subject: 'Authenticated by DNSSEC',
    text: 'Only to the server the TLSA records name.',
  });
  const queue = a.server.queue;
  const tried = await untilQueue(queue, async () => {
    const [e] = await queue.list();
    return e && e.recipients.every((r) => r.attempts === 1) && !queue.isBusy(e.id) && e;
  });
  const state = Object.fromEntries(tried.recipients.map((r) => [r.address, r]));
  assert.deepEqual(
    rcpts.map((r) => `${r} ${state[r]!.state}`),
    rcpts.map((r) => `${r} ${['three@nomatch.test', 'five@servfail.test', 'six@notls.test'].includes(r) ? 'pending' : 'sent'}`),
  );
  assert.match(state['three@nomatch.test']!.lastResult!, /^mx\.nomatch\.test\[127\.0\.0\.31\]:\d+: DANE: no TLSA record matches the certificate \(its key is 3 1 1 [0-9a-f]{64}\)$/);
  assert.equal(state['three@nomatch.test']!.status, '4.7.5');
  assert.match(state['five@servfail.test']!.lastResult!, /^DANE: TLSA lookup of _\d+\._tcp\.mx\.servfail\.test failed \(rcode 2, SERVFAIL/);
  assert.equal(state['five@servfail.test']!.status, '4.7.5');
  assert.match(state['six@notls.test']!.lastResult!, /^DANE: mx\.notls\.test\[127\.0\.0\.32\]:\d+: .*STARTTLS/);
  assert.deepEqual(tlsPeer.map((m) => m.to.join()).sort(), ['four@unsigned.test', 'nine@stsdane.test', 'one@match.test', 'seven@unusable.test', 'ten@stsonly.test', 'two@ta.test']);
  assert.deepEqual(plainPeer.map((m) => m.to.join()), ['eight@nodane.test'], 'nothing in plaintext to a host with TLSA records');

  // Each attempt says how its hop was protected.
  const attempts = lines.map((l) => JSON.parse(l) as { msg: string; rcpt?: string; tls?: { policy: string; verified: boolean } }).filter((l) => l.msg === 'delivery attempt');
  const tls = Object.fromEntries(attempts.map((l) => [l.rcpt, l.tls]));
  assert.deepEqual(tls['one@match.test'], { policy: 'dane', verified: true });
  assert.deepEqual(tls['two@ta.test'], { policy: 'dane', verified: true });
  assert.deepEqual(tls['four@unsigned.test'], { policy: 'opportunistic', verified: false });
  assert.deepEqual(tls['seven@unusable.test'], { policy: 'dane', verified: false }, 'published but unusable records: encryption without authentication');
  assert.deepEqual(tls['eight@nodane.test'], { policy: 'opportunistic', verified: false });
  assert.equal(tls['three@nomatch.test'], undefined);
  assert.deepEqual(tls['nine@stsdane.test'], { policy: 'dane', verified: true });
  assert.deepEqual(tls['ten@stsonly.test'], { policy: 'mta-sts', verified: true });

  // The DANE lookups went to the validating resolver with the AD bit asked for.
  assert.ok(dns.queries.includes(`TLSA _${port}._tcp.mx.match.test`));
  assert.ok(!dns.queries.includes(`TLSA _${port}._tcp.mx.unsigned.test`), 'no TLSA lookup under an insecure MX');
});

test('REQUIRETLS goes to a host DANE authenticates and is passed on; a TLSA mismatch or an unsigned MX returns it with 5.7.30', async (t) => {
  const ca = await TestCa.create();
  const cert = await ca.issue(['mx.rtmatch.test', 'mx.rtwrong.test', 'mx.rtunsigned.test']);
  const port = await sharedPort([REQUIRETLS_PEER]);
  const peer = await startPeer(t, REQUIRETLS_PEER, port, { tls: { keyPem: cert.keyPem, certPem: cert.certPem + ca.certPem }, requireTls: true });
  const zone: Zone = {};
  const domain = (name: string, tlsa: string[]) => {
    zone[`${name}.test`] = { mx: [[10, `mx.${name}.test`]] };
    zone[`mx.${name}.test`] = { a: [REQUIRETLS_PEER] };
    if (tlsa.length > 0) zone[`_${port}._tcp.mx.${name}.test`] = { tlsa };
  };
  domain('rtmatch', [`3 1 1 ${spkiSha256(cert.certPem)}`]);
  domain('rtwrong', [`3 1 1 ${randomBytes(32).toString('hex')}`]);
  domain('rtunsigned', [`3 1 1 ${spkiSha256(cert.certPem)}`]);
  const dns = await startDns(t, zone);
  for (const name of ['rtmatch', 'rtwrong']) dns.signed.add(`${name}.test`);
  const a = await startSmtpServer(t, (c) => {
    c.queue.mx_port = port;
    c.dns.servers = [dns.server];
    c.smtp.dane = { enabled: true, resolver: dns.server };
  });
  await addAccount(a.store, 'alice@a.test');
  await createTransport({ host: '127.0.0.1', port: a.submission, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } }).sendMail({
    from: 'alice@a.test',
    to: ['one@rtmatch.test', 'two@rtwrong.test', 'three@rtunsigned.test'],
    subject: 'Over TLS all the way',
    text: 'Secret.',
    requireTLSExtensionEnabled: true,
  });
  const queue = a.server.queue;
  const bounce = await untilQueue(queue, async () => {
    if ((await queue.list()).length > 0) return null;
    return (await inbox(a.store, 'alice@a.test')).find((m) => m.bytes.includes('Content-Type: message/delivery-status'));
  });
  assert.deepEqual(peer.map((m) => [m.to, m.requireTls]), [[['one@rtmatch.test'], true]], 'only the DANE-authenticated host got it, with REQUIRETLS');
  const report = bounce.bytes.toString();
  assert.match(report, /Final-Recipient: rfc822; two@rtwrong\.test\r\nAction: failed\r\nStatus: 5\.7\.30\r\n/);
  assert.match(report, /REQUIRETLS: mx\.rtwrong\.test\[127\.0\.0\.33\]:\d+: DANE: no TLSA record matches/);
  assert.match(report, /Final-Recipient: rfc822; three@rtunsigned\.test\r\nAction: failed\r\nStatus: 5\.7\.30\r\n/);
  assert.match(report, /REQUIRETLS: no MX host of rtunsigned\.test is authenticated/);
  assert.doesNotMatch(report, /one@rtmatch\.test\r\nAction/);
});
