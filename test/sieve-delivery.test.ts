import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import { generateDkimKeys } from '../src/dkim/keys.ts';
import { AdminService } from '../src/admin/service.ts';
import { acceptMessage } from '../src/queue/accept.ts';
import { adminSettings } from '../src/server.ts';
import { imapflow } from './helpers/imap.ts';
import { untilEmpty, untilQueue } from './helpers/queue.ts';
import { activateScript } from './helpers/sieve.ts';
import { addAccount, inbox, PASSWORD, SmtpClient, startSmtpServer, type SmtpTestServer } from './helpers/smtp.ts';

const CAPTURE = 'outbox@a.test';

/** A server for a.test whose outbound mail is captured in outbox@a.test, with IMAP to look at alice's mailboxes. */
async function world(t: TestContext): Promise<SmtpTestServer & { imap: number }> {
  const server = await startSmtpServer(t, (c) => {
    c.queue.capture = CAPTURE;
    c.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 };
  });
  await addAccount(server.store, CAPTURE);
  return { ...server, imap: server.server.listeners.imap!.port };
}

/** Mail from the world to the MX, as another server sends it. */
function fromWorld(port: number, mail: { from: string; to: string | string[]; envelopeTo?: string; subject: string; text?: string; headers?: Record<string, string> }) {
  return createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'mx.example.net' }).sendMail({
    envelope: { from: mail.from, to: mail.envelopeTo ?? mail.to },
    from: mail.from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text ?? 'Hello.',
    headers: mail.headers ?? {},
  });
}

const captured = async (s: SmtpTestServer) => (await inbox(s.store, CAPTURE)).map((m) => m.bytes.toString());

test('fileinto :create files into a new mailbox with the script\'s flags, seen over IMAP', async (t) => {
  const s = await world(t);
  const alice = await addAccount(s.store, 'alice@a.test');
  await activateScript(
    s.store,
    alice,
    `require ["fileinto", "mailbox", "imap4flags"];
     if header :contains "subject" "daily report" {
       addflag "$Report";
       fileinto :create :flags ["\\\\Flagged", "$Report"] "Reports/Daily";
     }`,
  );
  await fromWorld(s.mx, { from: 'robot@example.net', to: 'alice@a.test', subject: 'The daily report' });
  await fromWorld(s.mx, { from: 'friend@example.net', to: 'alice@a.test', subject: 'Lunch?' });
  const client = await imapflow(t, s.imap, 'alice@a.test');
  const list = await client.list();
  assert.ok(list.some((m) => m.path === 'Reports/Daily'), 'the mailbox was created');
  const lock = await client.getMailboxLock('Reports/Daily');
  const filed = [];
  for await (const m of client.fetch('1:*', { flags: true, envelope: true })) filed.push(m);
  lock.release();
  assert.equal(filed.length, 1);
  assert.equal(filed[0]!.envelope!.subject, 'The daily report');
  assert.deepEqual([...filed[0]!.flags!].sort(), ['$Report', '\\Flagged']);
  assert.deepEqual((await inbox(s.store, 'alice@a.test')).map((m) => /Subject: (.*)/.exec(m.bytes.toString())![1]), ['Lunch?'], 'the rest is kept in INBOX');
});

test('reject refuses at DATA with 550 5.7.1 and the reason; with a second recipient only that copy is refused', async (t) => {
  const s = await world(t);
  const alice = await addAccount(s.store, 'alice@a.test');
  await addAccount(s.store, 'bob@a.test');
  await activateScript(s.store, alice, 'require "reject";\nif header :contains "subject" "offer" { reject "No offers here, thank you."; }');
  const c = await SmtpClient.connect(s.mx);
  await c.hello();
  assert.match(await c.cmd('MAIL FROM:<shop@example.net>'), /^250/);
  assert.match(await c.cmd('RCPT TO:<alice@a.test>'), /^250/);
  const raw = 'From: shop@example.net\r\nTo: alice@a.test\r\nSubject: A great offer\r\nMessage-ID: <1@example.net>\r\n\r\nBuy.\r\n';
  assert.equal(await c.data(raw), '550 5.7.1 No offers here, thank you.');
  // The same client goes on: another message is taken.
  assert.match(await c.cmd('MAIL FROM:<shop@example.net>'), /^250/);
  assert.match(await c.cmd('RCPT TO:<alice@a.test>'), /^250/);
  assert.match(await c.cmd('RCPT TO:<bob@a.test>'), /^250/);
  assert.match(await c.data(raw.replace('<1@', '<2@')), /^250/, 'one recipient took it: the transaction is accepted');
  await c.cmd('QUIT');
  assert.equal((await inbox(s.store, 'alice@a.test')).length, 0);
  assert.equal((await inbox(s.store, 'bob@a.test')).length, 1);
  // Alice's refusal goes back to the sender as a report (through the queue: captured here).
  const [report] = await untilQueue(s.server.queue, async () => (await captured(s)).length > 0 && captured(s));
  assert.match(report!, /X-Original-To: shop@example\.net/);
  assert.match(report!, /alice@a\.test/);
  assert.match(report!, /No offers here, thank you\./);
});

test('redirect goes through the outbound queue with an SRS sender; redirect :copy keeps a copy too', async (t) => {
  const s = await world(t);
  const alice = await addAccount(s.store, 'alice@a.test');
  const bob = await addAccount(s.store, 'bob@a.test');
  await activateScript(s.store, alice, 'redirect "carol@elsewhere.test";');
  await activateScript(s.store, bob, 'require "copy";\nredirect :copy "dave@elsewhere.test";');
  await fromWorld(s.mx, { from: 'sender@example.net', to: ['alice@a.test', 'bob@a.test'], subject: 'Pass it on' });
  await untilEmpty(s.server.queue);
  const out = await captured(s);
  assert.equal(out.length, 2);
  const toCarol = out.find((m) => m.includes('X-Original-To: carol@elsewhere.test'))!;
  assert.match(toCarol, /^Return-Path: <SRS0=[^@]+=example\.net=sender@a\.test>/);
  assert.match(toCarol, /Subject: Pass it on/);
  assert.ok(out.some((m) => m.includes('X-Original-To: dave@elsewhere.test')));
  assert.equal((await inbox(s.store, 'alice@a.test')).length, 0, 'a redirect without :copy keeps nothing');
  assert.equal((await inbox(s.store, 'bob@a.test')).length, 1);
});

test('vacation answers a sender once, DKIM-signed and marked auto-replied; never a list, a bulk or automatic sender, the null sender, or mail not addressed to the account', async (t) => {
  const s = await world(t);
  const alice = await addAccount(s.store, 'alice@a.test');
  await s.store.addDkimKeys('a.test', await generateDkimKeys('a.test', '20261202'));
  await activateScript(s.store, alice, 'require "vacation";\nvacation :days 3 :subject "Away" :from "The CEO <ceo@a.test>" "I am away until Monday.";');
  await fromWorld(s.mx, { from: 'list@lists.example.net', to: 'alice@a.test', subject: 'List post', headers: { 'List-Id': '<news.lists.example.net>' } });
  await fromWorld(s.mx, { from: 'news@example.net', to: 'alice@a.test', subject: 'Bulk', headers: { Precedence: 'bulk' } });
  await fromWorld(s.mx, { from: 'bot@example.net', to: 'alice@a.test', subject: 'Auto', headers: { 'Auto-Submitted': 'auto-generated' } });
  await fromWorld(s.mx, { from: 'bob@example.net', to: 'alice@a.test', subject: 'Question one' });
  await fromWorld(s.mx, { from: 'bob@example.net', to: 'alice@a.test', subject: 'Question two' });
  await fromWorld(s.mx, { from: 'carol@example.net', to: 'someone-else@example.net', envelopeTo: 'alice@a.test', subject: 'Bcc to alice' });
  const c = await SmtpClient.connect(s.mx);
  await c.hello();
  await c.cmd('MAIL FROM:<>');
  await c.cmd('RCPT TO:<alice@a.test>');
  assert.match(await c.data('From: mailer-daemon@example.net\r\nTo: alice@a.test\r\nSubject: Bounce\r\n\r\nx\r\n'), /^250/);
  await c.cmd('QUIT');
  await untilEmpty(s.server.queue);
  const replies = await captured(s);
  assert.equal(replies.length, 1, `one reply, to bob, once: ${replies.map((r) => /X-Original-To: .*/.exec(r)?.[0]).join(', ')}`);
  const reply = replies[0]!;
  assert.match(reply, /^Return-Path: <>\r\nDelivered-To: outbox@a\.test\r\nX-Original-To: bob@example\.net\r\n/);
  assert.match(reply, /DKIM-Signature: [^\r]*d=a\.test/);
  assert.match(reply, /\r\nAuto-Submitted: auto-replied/);
  assert.match(reply, /\r\nSubject: Away\r\n/);
  assert.match(reply, /\r\nFrom: alice@a\.test\r\n/, 'a :from the account does not own is not used');
  assert.match(reply, /\r\nIn-Reply-To: <[^>]+>\r\n/);
  assert.match(reply, /I am away until Monday\./);
  assert.equal((await inbox(s.store, 'alice@a.test')).length, 7, 'vacation keeps every message');
});

test('a vacation reply to mail given to `mailfold deliver` is DKIM-signed too', async (t) => {
  const s = await world(t);
  const alice = await addAccount(s.store, 'alice@a.test');
  await s.store.addDkimKeys('a.test', await generateDkimKeys('a.test', '20261202'));
  await activateScript(s.store, alice, 'require "vacation";\nvacation :days 3 :subject "Away" "I am away.";');
  const admin = new AdminService(s.store, adminSettings(s.config), { queue: s.server.queue });
  const raw = Buffer.from('From: bob@example.net\r\nTo: alice@a.test\r\nSubject: Question\r\nMessage-ID: <q1@example.net>\r\n\r\nHello?\r\n');
  const [report] = await admin.deliver({ from: 'bob@example.net', to: ['alice@a.test'] }, raw);
  assert.equal(report!.outcomes[0]!.status, 'delivered');
  await untilEmpty(s.server.queue);
  const [reply] = await captured(s);
  assert.match(reply!, /\r\nSubject: Away\r\n/);
  assert.match(reply!, /DKIM-Signature: [^\r]*d=a\.test/);
});

test('a script that fails at run time, or does not parse, delivers to INBOX; the next message is filtered again', async (t) => {
  const s = await world(t);
  const alice = await addAccount(s.store, 'alice@a.test');
  const bob = await addAccount(s.store, 'bob@a.test');
  // A variable that expands to no address: a run-time error (RFC 5228 2.10.6).
  await activateScript(s.store, alice, 'require ["variables", "fileinto"];\nset "to" "not an address";\nfileinto "Archive";\nredirect "${to}";');
  await activateScript(s.store, bob, 'if header :is "x" "y" { keep', { unchecked: true });
  await fromWorld(s.mx, { from: 'sender@example.net', to: ['alice@a.test', 'bob@a.test'], subject: 'Still delivered' });
  assert.equal((await inbox(s.store, 'alice@a.test')).length, 1, 'an error keeps in INBOX, not the Archive of the failed run');
  assert.equal((await s.store.listMessages((await s.store.getMailbox(alice.id, 'Archive'))!.id)).length, 0);
  assert.equal((await inbox(s.store, 'bob@a.test')).length, 1);
  await activateScript(s.store, alice, 'require "fileinto";\nfileinto "Archive";');
  await fromWorld(s.mx, { from: 'sender@example.net', to: 'alice@a.test', subject: 'Filed' });
  assert.equal((await s.store.listMessages((await s.store.getMailbox(alice.id, 'Archive'))!.id)).length, 1);
});

test('LMTP refuses only the recipient whose script rejects, each recipient answered on its own line', async (t) => {
  const { server, store } = await startSmtpServer(t, (c) => {
    for (const name of ['smtp', 'submission', 'submissions'] as const) c.listeners[name].enabled = false;
    c.lmtp = { enabled: true, address: '127.0.0.1', port: 0 };
  });
  const alice = await addAccount(store, 'alice@example.org');
  await addAccount(store, 'carol@example.org');
  await activateScript(store, alice, 'require "ereject";\nif address :domain "from" "example.net" { ereject "Alice takes no mail from example.net"; }');
  const port = typeof server.lmtp === 'object' ? server.lmtp.port : 0;
  const client = await SmtpClient.connect(port);
  t.after(() => client.close());
  await client.reply();
  client.send('LHLO mta.example\r\n');
  await client.reply();
  await client.cmd('MAIL FROM:<bob@example.net>');
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<carol@example.org>'), /^250/);
  assert.equal(await client.data('From: bob@example.net\r\nTo: alice@example.org\r\nSubject: hi\r\n\r\nhi\r\n'), '550 5.7.1 Alice takes no mail from example.net');
  assert.match((await client.reply())[0]!, /^250 2\.6\.0 <carol@example\.org> delivered/);
  assert.equal((await inbox(store, 'alice@example.org')).length, 0);
  assert.equal((await inbox(store, 'carol@example.org')).length, 1);
});

test('a reject where no client waits (`mailfold deliver`) is reported: reject as an MDN, ereject as a DSN, nothing to the null sender', async (t) => {
  const s = await world(t);
  const alice = await addAccount(s.store, 'alice@a.test');
  const bob = await addAccount(s.store, 'bob@a.test');
  await activateScript(s.store, alice, 'require "reject";\nreject "Alice is not taking mail.";');
  await activateScript(s.store, bob, 'require "ereject";\nereject "Bob is not taking mail.";');
  const deliver = (from: string, to: string) =>
    acceptMessage(s.server.queue, {
      from,
      recipients: [to],
      raw: Buffer.from(`From: ${from || 'daemon@example.net'}\r\nTo: ${to}\r\nSubject: hello\r\nMessage-ID: <${to}@example.net>\r\n\r\nhi\r\n`),
      subaddressSeparator: '+',
      sieve: { atData: false, hostname: 'localhost' },
    });
  const [toAlice] = await deliver('sender@example.net', 'alice@a.test');
  assert.deepEqual(toAlice!.outcomes, [{ status: 'filtered', account: 'alice@a.test', detail: 'reject' }]);
  await deliver('sender@example.net', 'bob@a.test');
  await deliver('', 'alice@a.test');
  await untilEmpty(s.server.queue);
  const reports = await captured(s);
  assert.equal(reports.length, 2, 'none for the null sender');
  const mdn = reports.find((r) => r.includes('disposition-notification'))!;
  assert.match(mdn, /Disposition: automatic-action\/MDN-sent-automatically; deleted/);
  assert.match(mdn, /Alice is not taking mail\./);
  const dsn = reports.find((r) => r.includes('report-type=delivery-status'))!;
  assert.match(dsn, /Status: 5\.7\.1/);
  assert.match(dsn, /Bob is not taking mail\./);
  assert.equal((await inbox(s.store, 'alice@a.test')).length + (await inbox(s.store, 'bob@a.test')).length, 0);
});

test('redirects between local accounts are delivered at once and a loop between two scripts ends', async (t) => {
  const s = await world(t);
  const alice = await addAccount(s.store, 'alice@a.test');
  const bob = await addAccount(s.store, 'bob@a.test');
  const carol = await addAccount(s.store, 'carol@a.test');
  await activateScript(s.store, alice, 'redirect "bob@a.test";');
  await activateScript(s.store, bob, 'require "copy";\nif header :contains "subject" "Round" { redirect :copy "alice@a.test"; }');
  await activateScript(s.store, carol, 'require "vacation";\nvacation "Out today.";');
  await fromWorld(s.mx, { from: 'sender@example.net', to: 'alice@a.test', subject: 'Round and round' });
  // Alice sends to Bob, Bob keeps a copy and sends back, Alice's second redirect to Bob is known: it stops.
  assert.equal((await inbox(s.store, 'bob@a.test')).length, 1);
  assert.equal((await inbox(s.store, 'alice@a.test')).length, 0);
  // A local user's mail to Carol, by submission: her vacation reply lands in Bob's INBOX at once.
  await createTransport({ host: '127.0.0.1', port: s.submission, secure: false, auth: { user: 'bob@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } }).sendMail({
    from: 'bob@a.test',
    to: 'carol@a.test',
    subject: 'Are you in?',
    text: 'Lunch?',
  });
  const bobs = (await inbox(s.store, 'bob@a.test')).map((m) => m.bytes.toString());
  assert.equal(bobs.length, 2);
  assert.match(bobs[1]!, /^Return-Path: <>\r\nDelivered-To: bob@a\.test\r\n[\s\S]*Auto-Submitted: auto-replied[\s\S]*Out today\./);
  assert.equal((await captured(s)).length, 0, 'nothing left the server');
});
