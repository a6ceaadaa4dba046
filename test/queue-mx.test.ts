import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Config } from '../src/config/index.ts';
import { renderMetrics } from '../src/metrics/registry.ts';
import type { QueueEntry } from '../src/store/types.ts';
import { startDns, type Zone } from './helpers/dns.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { imapflow } from './helpers/imap.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { age, untilEmpty, untilQueue, untilTried } from './helpers/queue.ts';
import { addAccount, inbox, PASSWORD, startMailfold, startSmtpServer, type SmtpTestServer } from './helpers/smtp.ts';

const A = '127.0.0.2';
const B = '127.0.0.3';
const PEER = '127.0.0.4';
/** Nothing listens here: an MX that does not answer. */
const DEAD = '127.0.0.5';

const ZONE: Zone = {
  'a.test': { mx: [[10, 'mx.a.test']] },
  'mx.a.test': { a: [A] },
  'b.test': { mx: [[10, 'mx.b.test']] },
  'mx.b.test': { a: [B] },
  'c.test': { mx: [[10, 'mx.c.test']] },
  'mx.c.test': { a: [PEER] },
  // The preferred MX is down: the next one gets the mail.
  'backup.test': { mx: [[20, 'mx.c.test'], [10, 'dead.backup.test']] },
  'dead.backup.test': { a: [DEAD] },
  // No MX: the domain's own address is its implicit MX.
  'bare.test': { a: [PEER] },
  // RFC 7505 null MX.
  'nomail.test': { mx: [[0, '.']] },
};

/** The DNS server, and the one port every MX of the test listens on (queue.mx_port). */
async function world(t: TestContext): Promise<{ dns: string; port: number }> {
  return { dns: (await startDns(t, ZONE)).server, port: await sharedPort([A, B, PEER, DEAD]) };
}

/** A Mailfold whose MX listens on `address`, with IMAP, resolving through the test's DNS. */
function mailfold(t: TestContext, w: { dns: string; port: number }, address: string, adjust: (c: Config) => void = () => {}): Promise<SmtpTestServer> {
  return startSmtpServer(t, (c) => {
    c.listeners.smtp = { enabled: true, address, port: w.port };
    c.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 };
    c.queue.mx_port = w.port;
    c.dns.servers = [w.dns];
    adjust(c);
  });
}

function submit(port: number, user: string) {
  return createTransport({ host: '127.0.0.1', port, secure: false, auth: { user, pass: PASSWORD }, tls: { rejectUnauthorized: false } });
}

const emptyQueue = (s: SmtpTestServer) => untilEmpty(s.server.queue);

/** The INBOX once it holds `count` messages. */
const inboxOf = (s: SmtpTestServer, address: string, count: number) =>
  untilQueue(s.server.queue, async () => {
    const messages = await inbox(s.store, address);
    return messages.length >= count && messages.map((m) => m.bytes.toString());
  });

test('two Mailfolds, each the MX of its domain, exchange mail: nodemailer submits, imapflow reads', async (t) => {
  const w = await world(t);
  const a = await mailfold(t, w, A);
  const b = await mailfold(t, w, B);
  await addAccount(a.store, 'alice@a.test');
  await addAccount(b.store, 'bob@b.test');
  await addAccount(b.store, 'carol@b.test');

  const sent = await submit(a.submission, 'alice@a.test').sendMail({
    from: 'alice@a.test',
    to: ['bob@b.test', 'carol@b.test'],
    cc: 'alice@a.test',
    subject: 'Across the wire',
    text: 'Hello Bob and Carol.',
  });
  assert.deepEqual(sent.accepted.sort(), ['alice@a.test', 'bob@b.test', 'carol@b.test']);
  await emptyQueue(a);
  assert.equal((await inbox(a.store, 'alice@a.test')).length, 1, 'the local copy, and no bounce');

  for (const user of ['bob@b.test', 'carol@b.test']) {
    const imap = await imapflow(t, b.server.listeners.imap!.port, user);
    await imap.mailboxOpen('INBOX');
    const message = await imap.fetchOne('*', { source: true, envelope: true });
    assert.ok(message && message.source);
    assert.equal(message.envelope?.subject, 'Across the wire');
    const source = message.source.toString();
    assert.match(source, /^Return-Path: <alice@a\.test>\r\nDelivered-To: /);
    // Received by B from A's queue, and by A from nodemailer's submission.
    assert.equal(source.match(/^Received: /gm)?.length, 2);
    assert.match(source, /Hello Bob and Carol\./);
  }

  await submit(b.submission, 'bob@b.test').sendMail({ from: 'bob@b.test', to: 'alice@a.test', subject: 'Re: Across the wire', text: 'Hi Alice.' });
  await emptyQueue(b);
  const imap = await imapflow(t, a.server.listeners.imap!.port, 'alice@a.test');
  await imap.mailboxOpen('INBOX');
  const subjects: string[] = [];
  for await (const m of imap.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
  assert.deepEqual(subjects, ['Across the wire', 'Re: Across the wire']);
});

test('a 4xx is retried on flush, also after a restart; a 5xx bounces into the sender\'s INBOX', async (t) => {
  const w = await world(t);
  const peer = await startPeer(t, PEER, w.port);
  const a = await mailfold(t, w, A);
  await addAccount(a.store, 'alice@a.test');
  await submit(a.submission, 'alice@a.test').sendMail({
    from: 'alice@a.test',
    to: ['later@c.test', 'never@c.test', 'ok@c.test'],
    subject: 'Mixed fortunes',
    text: 'One of three is refused.',
  });
  const entry = await untilQueue(a.server.queue, async () => {
    const [e] = await a.store.listQueue();
    return e?.recipients.every((r) => r.attempts === 1) && e;
  });
  const state = Object.fromEntries(entry.recipients.map((r) => [r.address, r]));
  assert.equal(state['ok@c.test']!.state, 'sent');
  assert.equal(state['never@c.test']!.state, 'failed');
  assert.equal(state['later@c.test']!.state, 'pending');
  assert.match(state['later@c.test']!.lastResult!, /^451 4\.7\.1 Greylisted/);
  assert.ok(state['later@c.test']!.nextAttempt > state['later@c.test']!.lastAttempt!, 'the retry waits');
  assert.deepEqual(peer.map((m) => m.to), [['ok@c.test']]);
  assert.equal(peer[0]!.from, 'alice@a.test');

  const [bounce] = await inboxOf(a, 'alice@a.test', 1);
  assert.match(bounce!, /^Return-Path: <>\r\n/);
  assert.match(bounce!, /^From: Mail Delivery System <MAILER-DAEMON@localhost>\r\n/m);
  assert.match(bounce!, /^Content-Type: multipart\/report; report-type=delivery-status; boundary=/m);
  assert.match(bounce!, /^Final-Recipient: rfc822; never@c\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.c\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1 No such user here/m);
  assert.doesNotMatch(bounce!, /Final-Recipient: rfc822; (later|ok)@c\.test/);
  assert.match(bounce!, /Content-Type: message\/rfc822\r\n\r\n[^]*Subject: Mixed fortunes/);
  // /metrics counts what the queue took and what bounced (this process's registry).
  const metrics = renderMetrics();
  assert.match(metrics, /^mailfold_messages_queued_total [1-9]\d*$/m);
  assert.match(metrics, /^mailfold_messages_bounced_total [1-9]\d*$/m);

  // Nothing is lost across a restart: the entry is still there, and is tried again.
  await a.server.close();
  const again = await startMailfold(t, a.config);
  const [kept] = await again.store.listQueue();
  assert.equal(kept?.id, entry.id);
  const dir = tempDir(t);
  const flushed = await runCli(['--data-dir', a.config.data_dir, 'queue', 'flush'], { cwd: dir });
  assert.equal(flushed.stdout, '1 queued message(s) due now\n', flushed.stderr);
  await untilEmpty(again.queue);
  assert.deepEqual(peer.map((m) => m.to), [['ok@c.test'], ['later@c.test']]);
  assert.match(peer[1]!.raw, /Subject: Mixed fortunes/);
  assert.equal((await inbox(again.store as SmtpTestServer['store'], 'alice@a.test')).length, 1, 'no second report');
});

test('MX preference and the next MX, implicit MX; a null MX and an unknown domain bounce at once', async (t) => {
  const w = await world(t);
  const peer = await startPeer(t, PEER, w.port);
  const a = await mailfold(t, w, A);
  await addAccount(a.store, 'alice@a.test');
  await submit(a.submission, 'alice@a.test').sendMail({
    from: 'alice@a.test',
    to: ['x@backup.test', 'y@bare.test', 'z@nomail.test', 'w@nowhere.test'],
    subject: 'Routes',
    text: 'Where does it go?',
  });
  await emptyQueue(a);
  assert.deepEqual(peer.map((m) => m.to.join()).sort(), ['x@backup.test', 'y@bare.test']);
  const [bounce] = await inboxOf(a, 'alice@a.test', 1);
  assert.match(bounce!, /Final-Recipient: rfc822; z@nomail\.test\r\nAction: failed\r\nStatus: 5\.1\.10\r\nDiagnostic-Code: X-Mailfold; nomail\.test does not accept mail \(null MX/);
  assert.match(bounce!, /Final-Recipient: rfc822; w@nowhere\.test\r\nAction: failed\r\nStatus: 5\.1\.2\r\n/);
});

test('a delay warning after 4 hours, a report on expiry, and never a report to the null sender', async (t) => {
  const w = await world(t);
  await startPeer(t, PEER, w.port);
  const a = await mailfold(t, w, A);
  await addAccount(a.store, 'alice@a.test');
  await a.store.addAlias('fwd@a.test', ['never@c.test', 'busy@c.test']);
  await submit(a.submission, 'alice@a.test').sendMail({ from: 'alice@a.test', to: 'busy@c.test', subject: 'Patience', text: 'Still trying.' });
  const first = await untilTried(a.server.queue, 1);
  assert.equal(first.delayWarned, false);

  await age(a.server.queue, first, 5 * 3600_000);
  await a.server.queue.flush();
  const second = await untilTried(a.server.queue, 2);
  assert.equal(second.delayWarned, true);
  const [warning] = await inboxOf(a, 'alice@a.test', 1);
  assert.match(warning!, /^Subject: Delayed Mail \(still being retried\)\r\n/m);
  assert.match(warning!, /Final-Recipient: rfc822; busy@c\.test\r\nAction: delayed\r\nStatus: 4\.3\.0\r\n[^]*Will-Retry-Until: /);

  await age(a.server.queue, second, 6 * 86400_000);
  await a.server.queue.flush();
  await emptyQueue(a);
  const [, expired] = await inboxOf(a, 'alice@a.test', 2);
  assert.match(expired!, /Final-Recipient: rfc822; busy@c\.test\r\nAction: failed\r\nStatus: 4\.3\.0\r\n[^]*Diagnostic-Code: X-Mailfold; gave up after 3 attempts: 451 4\.3\.0 Busy/);

  // A bounce arriving at the MX for an alias that forwards outside: it fails there too, and nobody hears of it.
  const client = new SMTPConnection({ host: A, port: w.port, name: 'remote.example', ignoreTLS: true, logger: false });
  client.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.connect(() => resolve());
  });
  await new Promise<void>((resolve, reject) =>
    client.send({ from: false, to: ['fwd@a.test'] }, 'From: MAILER-DAEMON@remote.example\r\nSubject: a report\r\n\r\nreport\r\n', (err) => (err ? reject(err) : resolve())),
  );
  client.quit();
  const bounced = await untilQueue(a.server.queue, async () => {
    const [e] = await a.store.listQueue();
    return e && e.from === '' && e.recipients.every((r) => r.attempts === 1) && !a.server.queue.isBusy(e.id) && e;
  });
  assert.deepEqual(bounced.recipients.map((r) => [r.address, r.orcpt]), [['never@c.test', 'rfc822;fwd@a.test'], ['busy@c.test', 'rfc822;fwd@a.test']]);
  await age(a.server.queue, bounced, 6 * 86400_000);
  await a.server.queue.flush();
  await emptyQueue(a);
  assert.equal((await inbox(a.store, 'alice@a.test')).length, 2, 'no report for the null sender');
});

test('a retry or a delete asked for while a message is being tried takes effect when the try ends', async (t) => {
  const w = await world(t);
  let held = Promise.withResolvers<void>();
  let gate = Promise.withResolvers<void>();
  const peer = await startPeer(t, PEER, w.port, {
    hold: () => {
      held.resolve();
      return gate.promise;
    },
  });
  const a = await mailfold(t, w, A);
  await addAccount(a.store, 'alice@a.test');
  const queue = a.server.queue;

  await submit(a.submission, 'alice@a.test').sendMail({ from: 'alice@a.test', to: 'holdlater@c.test', subject: 'Retry me', text: '.' });
  await held.promise;
  const [busy] = await queue.list();
  assert.ok(busy && queue.isBusy(busy.id));
  assert.equal(await queue.flush(), 1);
  gate.resolve();
  // The greylisting 451 would mean a wait of minutes; the flush asked during the try makes it due at once.
  await emptyQueue(a);
  assert.deepEqual(peer.map((m) => m.to), [['holdlater@c.test']]);

  held = Promise.withResolvers<void>();
  gate = Promise.withResolvers<void>();
  await submit(a.submission, 'alice@a.test').sendMail({ from: 'alice@a.test', to: 'holdbusy@c.test', subject: 'Drop me', text: '.' });
  await held.promise;
  const [doomed] = await queue.list();
  assert.ok(doomed && queue.isBusy(doomed.id));
  assert.equal((await queue.remove(doomed.id)).id, doomed.id);
  assert.equal((await queue.list()).length, 1, 'still there while it is tried');
  gate.resolve();
  await emptyQueue(a);
  assert.equal(peer.length, 1);
  assert.equal((await inbox(a.store, 'alice@a.test')).length, 0, 'deleted without a report');
});

test('a partial temporary failure retries only the refused recipients; the accepted ones never get it twice', async (t) => {
  const w = await world(t);
  const peer = await startPeer(t, PEER, w.port);
  const a = await mailfold(t, w, A);
  await addAccount(a.store, 'alice@a.test');
  const queue = a.server.queue;
  await submit(a.submission, 'alice@a.test').sendMail({
    from: 'alice@a.test',
    to: ['one@c.test', 'later@c.test', 'two@c.test', 'busy@c.test'],
    subject: 'Half now',
    text: 'Two of four are refused for now.',
  });
  const states = (e: QueueEntry) => Object.fromEntries(e.recipients.map((r) => [r.address, `${r.state}/${r.attempts}`]));
  const first = await untilTried(queue, 1);
  assert.deepEqual(states(first), { 'one@c.test': 'sent/1', 'later@c.test': 'pending/1', 'two@c.test': 'sent/1', 'busy@c.test': 'pending/1' });
  assert.deepEqual(peer.map((m) => m.to), [['one@c.test', 'two@c.test']]);

  for (const round of [2, 3]) {
    await queue.flush();
    await untilQueue(queue, async () => {
      const [e] = await queue.list();
      return e && e.recipients.find((r) => r.address === 'busy@c.test')!.attempts === round && !queue.isBusy(e.id);
    });
  }
  const [last] = await queue.list();
  assert.deepEqual(states(last!), { 'one@c.test': 'sent/1', 'later@c.test': 'sent/2', 'two@c.test': 'sent/1', 'busy@c.test': 'pending/3' });
  assert.deepEqual(peer.map((m) => m.to), [['one@c.test', 'two@c.test'], ['later@c.test']]);
});
