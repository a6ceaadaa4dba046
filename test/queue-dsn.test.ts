import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { createTransport } from 'nodemailer';
import { mxZone, startDns } from './helpers/dns.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { age, untilEmpty, untilTried } from './helpers/queue.ts';
import { addAccount, inbox, PASSWORD, requireTool, startSmtpServer, type SmtpTestServer } from './helpers/smtp.ts';

const run = promisify(execFile);

/** A next hop that offers DSN, and one that does not. */
const WITH_DSN = '127.0.0.8';
const WITHOUT_DSN = '127.0.0.9';

async function world(t: TestContext) {
  const dns = await startDns(t, mxZone({ 'c.test': WITH_DSN, 'd.test': WITHOUT_DSN }));
  const port = await sharedPort([WITH_DSN, WITHOUT_DSN]);
  const withDsn = await startPeer(t, WITH_DSN, port, { dsn: true });
  const withoutDsn = await startPeer(t, WITHOUT_DSN, port);
  const a = await startSmtpServer(t, (c) => {
    c.queue.mx_port = port;
    c.dns.servers = [dns.server];
  });
  await addAccount(a.store, 'alice@a.test');
  return { a, withDsn, withoutDsn };
}

const submit = (s: SmtpTestServer) =>
  createTransport({ host: '127.0.0.1', port: s.submission, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });

const emptyQueue = (s: SmtpTestServer) => untilEmpty(s.server.queue);

const inboxTexts = async (s: SmtpTestServer) => (await inbox(s.store, 'alice@a.test')).map((m) => m.bytes.toString());

test('DSN: RET, ENVID, NOTIFY and ORCPT go on to a next hop with DSN; one without gets a "relayed" report', async (t) => {
  const { a, withDsn, withoutDsn } = await world(t);
  await submit(a).sendMail({
    from: 'alice@a.test',
    to: ['x@c.test', 'y@d.test'],
    subject: 'Tell me when it arrives',
    text: 'Please confirm.',
    dsn: { ret: 'HDRS', id: 'env-42', notify: ['SUCCESS', 'FAILURE'], recipient: 'boss@a.test' },
  });
  await emptyQueue(a);

  assert.equal(withDsn.length, 1);
  assert.deepEqual(withDsn[0]!.dsn, { ret: 'HDRS', envid: 'env-42', rcpt: { 'x@c.test': { notify: ['SUCCESS', 'FAILURE'], orcpt: 'rfc822;boss@a.test' } } });
  assert.deepEqual(withoutDsn.map((m) => m.to), [['y@d.test']]);

  // Only the hop without DSN is ours to report on.
  const [report, ...more] = await inboxTexts(a);
  assert.equal(more.length, 0);
  assert.match(report!, /^Return-Path: <>\r\n/);
  assert.match(report!, /^Subject: Successful Mail Delivery Report\r\n/m);
  assert.match(report!, /^Original-Envelope-Id: env-42\r\n/m);
  assert.match(
    report!,
    /^Final-Recipient: rfc822; y@d\.test\r\nOriginal-Recipient: rfc822; boss@a\.test\r\nAction: relayed\r\nStatus: 2\.0\.0\r\nRemote-MTA: dns; mx\.d\.test\r\nDiagnostic-Code: smtp; 250 /m,
  );
  assert.doesNotMatch(report!, /Final-Recipient: rfc822; x@c\.test/);
  assert.match(report!, /Content-Type: text\/rfc822-headers\r\n\r\n[^]*Subject: Tell me when it arrives\r\n/);
  assert.doesNotMatch(report!, /Please confirm\./, 'a success report carries the header only');
});

test('DSN: NOTIFY=NEVER gets no bounce, NOTIFY without DELAY no delay warning, RET=HDRS a bounce with the header only', async (t) => {
  const { a } = await world(t);
  await submit(a).sendMail({ from: 'alice@a.test', to: 'never@c.test', subject: 'Quietly', text: '.', dsn: { notify: 'NEVER' } });
  await emptyQueue(a);
  assert.deepEqual(await inboxTexts(a), [], 'no report for NOTIFY=NEVER');

  await submit(a).sendMail({
    from: 'alice@a.test',
    to: ['busy@c.test', 'never@c.test'],
    subject: 'Failures only',
    text: 'The body stays here.',
    dsn: { ret: 'HDRS', id: 'env-7', notify: 'FAILURE' },
  });
  const first = await untilTried(a.server.queue, 1);
  const [bounce, ...none] = await inboxTexts(a);
  assert.equal(none.length, 0);
  assert.match(bounce!, /^Original-Envelope-Id: env-7\r\n/m);
  assert.match(bounce!, /^Final-Recipient: rfc822; never@c\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\n/m);
  assert.match(bounce!, /Content-Type: text\/rfc822-headers\r\n\r\n[^]*Subject: Failures only\r\n/);
  assert.doesNotMatch(bounce!, /The body stays here\./);

  // Five hours later busy@ is still pending: NOTIFY=FAILURE asked for no delay warning.
  await age(a.server.queue, first, 5 * 3600_000);
  await a.server.queue.flush();
  const second = await untilTried(a.server.queue, 2);
  assert.equal(second.recipients.find((r) => r.address === 'busy@c.test')?.state, 'pending');
  assert.equal((await inboxTexts(a)).length, 1, 'no delay warning');
});

test('DSN: parameters given at the MX by Python smtplib reach the next hop through an alias', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { a, withDsn } = await world(t);
  await a.store.addAlias('list@a.test', ['x@c.test']);
  const script = [
    'import smtplib, sys',
    'with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as c:',
    '    c.ehlo("client.example.net")',
    '    assert c.has_extn("dsn"), "no DSN in EHLO"',
    '    c.sendmail("sender@remote.example", ["list@a.test"], b"Subject: via the MX\\r\\n\\r\\nHi.\\r\\n",',
    '               mail_options=["RET=FULL", "ENVID=mx+2B7"], rcpt_options=["NOTIFY=DELAY,FAILURE", "ORCPT=rfc822;list+2Bx@a.test"])',
    'print("ok")',
  ].join('\n');
  const { stdout } = await run('python3', ['-c', script, String(a.mx)], { timeout: 60_000 });
  assert.equal(stdout.trim(), 'ok');
  await emptyQueue(a);
  // A sender from the world SPF does not vouch for gets no delay reports, and no report
  // with the content, from us or from a later hop (see smtp/dsn.ts: backscatter).
  assert.deepEqual(withDsn.map((m) => m.dsn), [{ ret: 'HDRS', envid: 'mx+7', rcpt: { 'x@c.test': { notify: ['FAILURE'], orcpt: 'rfc822;list+x@a.test' } } }]);
});

test('DSN: NOTIFY=SUCCESS for a local mailbox gets a "delivered" report', async (t) => {
  const { a } = await world(t);
  await addAccount(a.store, 'bob@a.test');
  await submit(a).sendMail({ from: 'alice@a.test', to: 'bob@a.test', subject: 'Read receipt of the server', text: 'Hi Bob.', dsn: { id: 'env-9', notify: 'SUCCESS' } });
  assert.equal((await inbox(a.store, 'bob@a.test')).length, 1);
  const [report, ...more] = await inboxTexts(a);
  assert.equal(more.length, 0);
  assert.match(report!, /^Original-Envelope-Id: env-9\r\n/m);
  assert.match(report!, /^Final-Recipient: rfc822; bob@a\.test\r\nAction: delivered\r\nStatus: 2\.0\.0\r\n/m);
  assert.doesNotMatch(report!, /X-Mailfold-Queue-ID/);
  assert.match(report!, /Content-Type: text\/rfc822-headers\r\n\r\n[^]*Subject: Read receipt of the server\r\n/);
  assert.doesNotMatch(report!, /Hi Bob\./);
});
