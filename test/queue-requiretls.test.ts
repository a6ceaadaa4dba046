import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createTransport } from 'nodemailer';
import type { QueueEntry } from '../src/store/types.ts';
import { startDns, type Zone } from './helpers/dns.ts';
import { ROOT, tempDir } from './helpers/env.ts';
import { policyZone, startPolicyServer } from './helpers/mta-sts.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { untilQueue } from './helpers/queue.ts';
import { addAccount, inbox, messageFrom, PASSWORD, requireTool, serverCa, startSmtpServer } from './helpers/smtp.ts';
import { TestCa } from './helpers/test-ca.ts';

const run = promisify(execFile);
const ALICE = 'alice@example.org';
/**
 * One CA for every test of this file: a trusted CA stays in the process's trust store, and two
 * with the same name there make OpenSSL check a certificate against the wrong one.
 */
const testCa = TestCa.create();

test('REQUIRETLS inbound: offered only over TLS, refused in plaintext, and a REQUIRETLS message for a local user delivered (smtplib, swaks)', async (t) => {
  if (!requireTool(t, 'python3') || !requireTool(t, 'swaks')) return;
  const { store, mx, submission } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  const dir = tempDir(t);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, await serverCa(store));
  const file = join(dir, 'm.eml');
  writeFileSync(file, messageFrom('bob@example.net', 'Over TLS only'));

  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/smtp_requiretls.py'), String(mx), ca, 'bob@example.net', ALICE, file], { timeout: 60_000 });
  const result = JSON.parse(stdout) as { plaintext_offers: boolean; plaintext_mail: string; tls_offers: boolean; sent: string };
  assert.equal(result.plaintext_offers, false, 'REQUIRETLS is not offered before STARTTLS');
  assert.match(result.plaintext_mail, /^530 5\.7\.0 REQUIRETLS/, 'MAIL FROM with REQUIRETLS is refused in plaintext');
  assert.equal(result.tls_offers, true);
  assert.equal(result.sent, 'ok');
  const [stored] = await inbox(store, ALICE);
  assert.match(stored!.bytes.toString(), /^Received: from client\.example\.net[^]*?with ESMTPS /m);

  // Submission offers it too, once in TLS.
  const ehlo = async (args: string[]) => (await run('swaks', ['--server', '127.0.0.1', '--port', String(submission), '--quit-after', 'EHLO', ...args], { timeout: 60_000 })).stdout;
  assert.doesNotMatch(await ehlo([]), /REQUIRETLS/);
  assert.match(await ehlo(['--tls']), /<~ {2}250-REQUIRETLS/);
});

/** An MX with a certificate of the test's CA that offers REQUIRETLS. */
const GOOD = '127.0.0.16';
/** An MX with a certificate of the test's CA that does not offer REQUIRETLS. */
const NOREQ = '127.0.0.17';
/** An MX without STARTTLS. */
const PLAIN = '127.0.0.18';
/** An MX offering STARTTLS with smtp-server's own self-signed certificate. */
const SELF = '127.0.0.19';
/** Another Mailfold, its MX with a certificate of the test's CA. */
const MAILFOLD = '127.0.0.20';

const enforce = (mx: string) => `version: STSv1\nmode: enforce\nmx: ${mx}\nmax_age: 86400\n`;
const POLICIES: Record<string, string> = {
  'mta-sts.good.test': enforce('mx.good.test'),
  'mta-sts.noreq.test': enforce('mx.noreq.test'),
  'mta-sts.plain.test': enforce('mx.plain.test'),
  'mta-sts.tlsno.test': enforce('mx.self.test'),
  'mta-sts.mf.test': enforce('mx.mf.test'),
};

test('REQUIRETLS on the queue: only a verified, policy-named MX offering REQUIRETLS gets it; the rest bounces 5.7.30; TLS-Required: No passes an enforce policy', async (t) => {
  const ca = await testCa;
  const policyServer = await startPolicyServer(t, ca, POLICIES);
  if (!policyServer) return;
  const zone: Zone = {
    'good.test': { mx: [[10, 'mx.good.test']] },
    'mx.good.test': { a: [GOOD] },
    'noreq.test': { mx: [[10, 'mx.noreq.test']] },
    'mx.noreq.test': { a: [NOREQ] },
    'plain.test': { mx: [[10, 'mx.plain.test']] },
    'mx.plain.test': { a: [PLAIN] },
    // No MTA-STS policy: nothing names the MX host, so REQUIRETLS never connects.
    'nosts.test': { mx: [[10, 'mx.self.test']] },
    // An enforce policy whose MX has a certificate nobody trusts.
    'tlsno.test': { mx: [[10, 'mx.self.test']] },
    'mx.self.test': { a: [SELF] },
    'mf.test': { mx: [[10, 'mx.mf.test']] },
    'mx.mf.test': { a: [MAILFOLD] },
    ...policyZone(POLICIES, policyServer.address, '20261202T1'),
  };
  const dns = await startDns(t, zone);
  const port = await sharedPort([GOOD, NOREQ, PLAIN, SELF, MAILFOLD]);
  const good = await startPeer(t, GOOD, port, { tls: await ca.issue(['mx.good.test']), requireTls: true });
  const noreq = await startPeer(t, NOREQ, port, { tls: await ca.issue(['mx.noreq.test']) });
  const plain = await startPeer(t, PLAIN, port, { noStartTls: true });
  const self = await startPeer(t, SELF, port, { requireTls: true });

  const dir = tempDir(t);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const mfCert = await ca.issue(['mx.mf.test']);
  writeFileSync(join(dir, 'mf.pem'), mfCert.certPem);
  writeFileSync(join(dir, 'mf.key'), mfCert.keyPem);
  const b = await startSmtpServer(t, (c) => {
    c.listeners.smtp = { enabled: true, address: MAILFOLD, port };
    c.tls = { cert_file: join(dir, 'mf.pem'), key_file: join(dir, 'mf.key') };
  });
  await addAccount(b.store, 'bob@mf.test');
  const a = await startSmtpServer(t, (c) => {
    c.queue.mx_port = port;
    c.queue.ca_file = caFile;
    c.dns.servers = [dns.server];
  });
  await addAccount(a.store, ALICE);
  const queue = a.server.queue;
  const queued: QueueEntry[] = [];
  queue.on('change', (_id, entry) => {
    if (entry && entry.recipients.every((r) => r.attempts === 0)) queued.push(entry);
  });
  const client = createTransport({ host: '127.0.0.1', port: a.submission, auth: { user: ALICE, pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  const rcpts = ['one@good.test', 'two@noreq.test', 'three@plain.test', 'four@nosts.test', 'six@tlsno.test'];
  await client.sendMail({
    from: ALICE,
    to: [...rcpts, 'bob@mf.test'],
    subject: 'Secret plans',
    text: 'Only over TLS, all the way.',
    // REQUIRETLS wins over the header (RFC 8689 section 4.1).
    headers: { 'TLS-Required': 'No' },
    requireTLSExtensionEnabled: true,
  });
  const bounce = await untilQueue(queue, async () => {
    if ((await queue.list()).length > 0) return null;
    return (await inbox(a.store, ALICE)).find((m) => m.bytes.includes('Content-Type: message/delivery-status'));
  });
  assert.equal(queued[0]?.requireTls, true, 'the queue entry carries REQUIRETLS');
  assert.deepEqual(good.map((m) => [m.to, m.requireTls]), [[['one@good.test'], true]], 'passed on with REQUIRETLS');
  assert.match(good[0]!.raw, /^TLS-Required: No\r$/im, 'the header travels on unchanged');
  const [atBob] = await inbox(b.store, 'bob@mf.test');
  assert.match(atBob!.bytes.toString(), /^Received: from localhost \(\[127\.0\.0\.1\]\)\r\n\t\(using TLSv1\.[23] [^]*?with ESMTPS /m, 'Mailfold to Mailfold, with REQUIRETLS');
  assert.equal(noreq.length + plain.length + self.length, 0, 'nothing went where REQUIRETLS could not be kept');
  const report = bounce.bytes.toString();
  for (const rcpt of rcpts.slice(1)) assert.match(report, new RegExp(`Final-Recipient: rfc822; ${rcpt}\r\nAction: failed\r\nStatus: 5\\.7\\.30\r\n`));
  assert.doesNotMatch(report, /(one@good\.test|bob@mf\.test)\r\nAction/);
  assert.match(report, /Diagnostic-Code: X-Mailfold; REQUIRETLS: mx\.noreq\.test\[127\.0\.0\.17\]:\d+: Server does not support REQUIRETLS/);
  assert.match(report, /Diagnostic-Code: X-Mailfold; REQUIRETLS: mx\.plain\.test\[127\.0\.0\.18\]:\d+: .*STARTTLS/);
  assert.match(report, /Diagnostic-Code: X-Mailfold; REQUIRETLS: no MX host of nosts\.test is authenticated/);
  assert.match(report, /Diagnostic-Code: X-Mailfold; REQUIRETLS: mx\.self\.test\[127\.0\.0\.19\]:\d+: .*certificate/);
  // RFC 8689 section 5: the report of a REQUIRETLS message returns only its header.
  assert.match(report, /Content-Type: text\/rfc822-headers/);
  assert.doesNotMatch(report, /all the way/);

  // Without REQUIRETLS, `TLS-Required: No` lets the message past the domain's enforce policy to an unverified MX.
  await client.sendMail({ from: ALICE, to: 'five@tlsno.test', subject: 'Not secret', text: 'Deliver it anyhow.', headers: { 'TLS-Required': 'No' } });
  await untilQueue(queue, async () => (await queue.list()).length === 0 && self.length === 1);
  assert.equal(queued[1]?.requireTls, false);
  assert.deepEqual(self.map((m) => [m.to, m.requireTls]), [[['five@tlsno.test'], false]]);
  assert.match(self[0]!.raw, /^TLS-Required: No\r$/im);
});

test('REQUIRETLS through a smarthost: verified TLS even when verify_certificate is off, and a relay that does not offer REQUIRETLS gets none of it', async (t) => {
  const ca = await testCa;
  const caFile = join(tempDir(t), 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const cert = await ca.issue(['localhost']);
  const users = { relayuser: 'relay secret' };
  // Each relay takes its port before the next is looked for.
  const relay = async (opts: Parameters<typeof startPeer>[3]) => {
    const port = await sharedPort(['127.0.0.1']);
    return { port, messages: await startPeer(t, '127.0.0.1', port, { users, ...opts }) };
  };
  const { port: withIt, messages: strictRelay } = await relay({ tls: cert, requireTls: true });
  const { port: without, messages: plainRelay } = await relay({ tls: cert });
  // smtp-server's own certificate, which no CA signed.
  const { port: selfSigned, messages: untrusted } = await relay({ requireTls: true });
  const through = (port: number) =>
    startSmtpServer(t, (c) => {
      c.queue.ca_file = caFile;
      c.smtp.smarthost = { host: 'localhost', port, tls: 'starttls', verify_certificate: false, username: 'relayuser', password: 'relay secret' };
    });
  const send = async (port: number, requireTls: boolean) =>
    createTransport({ host: '127.0.0.1', port, auth: { user: ALICE, pass: PASSWORD }, tls: { rejectUnauthorized: false } }).sendMail({
      from: ALICE,
      to: 'bob@b.test',
      subject: 'Via the relay',
      text: 'Hello.',
      requireTLSExtensionEnabled: requireTls,
    });

  const a = await through(withIt);
  await addAccount(a.store, ALICE);
  await send(a.submission, true);
  await untilQueue(a.server.queue, async () => (await a.server.queue.list()).length === 0);
  const returned = (await inbox(a.store, ALICE)).map((m) => m.bytes.toString());
  assert.deepEqual(strictRelay.map((m) => [m.to, m.requireTls, m.user]), [[['bob@b.test'], true, 'relayuser']], `not relayed; reports: ${returned.join('\n')}`);

  const b = await through(without);
  await addAccount(b.store, ALICE);
  await send(b.submission, true);
  await send(b.submission, false);
  const bounce = await untilQueue(b.server.queue, async () => {
    if ((await b.server.queue.list()).length > 0) return null;
    return (await inbox(b.store, ALICE)).find((m) => m.bytes.includes('Content-Type: message/delivery-status'));
  });
  assert.match(bounce.bytes.toString(), /Status: 5\.7\.30\r\n[^]*Diagnostic-Code: X-Mailfold; REQUIRETLS: localhost\[localhost\]:\d+: Server does not support REQUIRETLS/);
  assert.deepEqual(plainRelay.map((m) => [m.to, m.requireTls]), [[['bob@b.test'], false]], 'only the message without REQUIRETLS went');

  const c = await through(selfSigned);
  await addAccount(c.store, ALICE);
  await send(c.submission, true);
  const refused = await untilQueue(c.server.queue, async () => {
    if ((await c.server.queue.list()).length > 0) return null;
    return (await inbox(c.store, ALICE)).find((m) => m.bytes.includes('Content-Type: message/delivery-status'));
  });
  assert.match(refused.bytes.toString(), /Status: 5\.7\.30\r\n[^]*Diagnostic-Code: X-Mailfold; REQUIRETLS: localhost\[localhost\]:\d+: .*certificate/);
  assert.equal(untrusted.length, 0);
});
