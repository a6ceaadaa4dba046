import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { createTransport } from 'nodemailer';
import { deliverMessage } from '../src/delivery/deliver.ts';
import { SpamFilter } from '../src/spam/filter.ts';
import { spamSettings } from '../src/spam/settings.ts';
import { defaultConfig } from '../src/config/index.ts';
import type { Store } from '../src/store/types.ts';
import { addAccount, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { clearHam, clearSpam, trainAccount } from './helpers/spam.ts';
import { collect, testStore } from './helpers/store.ts';

const ALICE = 'alice@example.org';

async function sendRaw(t: TestContext, port: number, raw: Buffer, from = 'sender@example.net', localAddress = '127.0.0.1') {
  const transport = createTransport({ host: '127.0.0.1', port, ignoreTLS: true, name: 'client.example.net', localAddress });
  t.after(() => transport.close());
  return transport.sendMail({ envelope: { from, to: [ALICE] }, raw });
}

async function mailbox(store: Store, address: string, name: string): Promise<string[]> {
  const account = (await store.getAccount(address))!;
  const box = (await store.getMailbox(account.id, name))!;
  return Promise.all((await store.listMessages(box.id)).map(async (m) => (await collect(store.readMessage(m))).toString('latin1')));
}

/** X-Spam-Status unfolded. */
const status = (stored: string) => /^X-Spam-Status: ([^]*?)\r\n(?=\S)/m.exec(stored)?.[1]?.replace(/\r\n\s+/g, ' ') ?? '';

test('a trained account junks a spam delivered by SMTP and keeps a ham, each with its verdict in the header', async (t) => {
  const { store, mx } = await startSmtpServer(t);
  const account = await addAccount(store, ALICE);
  await trainAccount(store, account.id);
  assert.match((await sendRaw(t, mx, clearSpam())).response, /^250/);
  assert.match((await sendRaw(t, mx, clearHam())).response, /^250/);
  const [junked] = await mailbox(store, ALICE, 'Junk');
  const [kept] = await mailbox(store, ALICE, 'INBOX');
  assert.ok(junked && kept);
  assert.match(junked, /^Return-Path: <sender@example\.net>\r\nDelivered-To: alice@example\.org\r\nX-Spam-Flag: YES\r\nX-Spam-Score: \d+\.\d\d\r\n/);
  assert.match(status(junked), /^Yes, score=\d+\.\d\d required=5\.00 tests=.*BAYES=10\.00/);
  assert.match(status(kept), /^No, score=-\d+\.\d\d required=5\.00 tests=.*BAYES=-(?:9\.9\d|10\.00)/);
});

test('the allow and block lists win over the classifier, by address and by domain', async (t) => {
  const { store, mx } = await startSmtpServer(t);
  const account = await addAccount(store, ALICE);
  await trainAccount(store, account.id);
  await store.setSenderEntry(account.id, 'friend@example.net', 'allow');
  await store.setSenderEntry(account.id, 'pest.example', 'block');
  await sendRaw(t, mx, clearSpam(), 'friend@example.net');
  await sendRaw(t, mx, clearHam(), 'news@pest.example');
  const [allowed] = await mailbox(store, ALICE, 'INBOX');
  const [blocked] = await mailbox(store, ALICE, 'Junk');
  assert.match(status(allowed!), /^No, .*ALLOWLIST=-100\.00/);
  assert.match(status(blocked!), /^Yes, .*BLOCKLIST=100\.00/);
});

test('a DNSBL listing from the test DNS server adds its weight, a DNSWL listing takes some away', async (t) => {
  const { store, mx, dns } = await startSmtpServer(t, (c) => {
    c.spam.dnsbl = ['bl.test', 'other-bl.test'];
    c.spam.dnswl = ['wl.test'];
    c.spam.dnsbl_weight = 4;
  });
  await addAccount(store, ALICE);
  // RFC 5782: 127.0.0.1 is looked up as 1.0.0.127.<zone>; a listing answers with an address in 127/8.
  dns.add('1.0.0.127.bl.test', 'A', '127.0.0.2');
  await sendRaw(t, mx, clearHam());
  let [stored] = await mailbox(store, ALICE, 'INBOX');
  assert.match(status(stored!), /^No, score=4\.00 required=5\.00 tests=DNSBL=4\.00$/);
  assert.ok(dns.queries.includes('A 1.0.0.127.other-bl.test'), JSON.stringify(dns.queries));
  // Another client address (answers are cached): listed by both block lists and the allow list.
  dns.add('2.0.0.127.bl.test', 'A', '127.0.0.2');
  dns.add('2.0.0.127.other-bl.test', 'A', '127.0.0.4');
  dns.add('2.0.0.127.wl.test', 'A', '127.0.10.1');
  await sendRaw(t, mx, clearSpam(), 'sender@example.net', '127.0.0.2');
  [stored] = await mailbox(store, ALICE, 'Junk');
  assert.match(status(stored!), /^Yes, score=5\.00 .*DNSBL=4\.00, DNSBL=4\.00, DNSWL=-3\.00$/);
});

test('at reject_score the MX answers 550 5.7.1 at DATA and stores nothing', async (t) => {
  const { store, mx, dns } = await startSmtpServer(t, (c) => {
    c.spam.dnsbl = ['bl.test'];
    c.spam.reject_score = 3;
  });
  await addAccount(store, ALICE);
  dns.add('1.0.0.127.bl.test', 'A', '127.0.0.2');
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.cmd('MAIL FROM:<sender@example.net>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await client.data(clearHam()), /^550 5\.7\.1 /);
  assert.deepEqual([...(await mailbox(store, ALICE, 'INBOX')), ...(await mailbox(store, ALICE, 'Junk'))], []);
  // The session goes on: the next transaction is answered.
  assert.match(await client.cmd('RSET'), /^250/);
});

test('greylisting answers 451 to a new triplet, then accepts the retry; a known correspondent skips it', async (t) => {
  const { store, mx, submission } = await startSmtpServer(t, (c) => {
    c.spam.greylist = true;
    c.spam.greylist_delay = 0;
  });
  await addAccount(store, ALICE);
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.cmd('MAIL FROM:<new@example.net>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^451 4\.7\.1 /);
  assert.match(await client.cmd('RSET'), /^250/);
  assert.match(await client.cmd('MAIL FROM:<new@example.net>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await client.data(clearHam()), /^250/);
  // Alice writes to carol (submission, between... to the world): carol is a correspondent and is not greylisted.
  const sub = await SmtpClient.connect(submission);
  t.after(() => sub.close());
  await sub.hello();
  assert.match(await sub.authPlain(ALICE), /^235/);
  assert.match(await sub.cmd(`MAIL FROM:<${ALICE}>`), /^250/);
  assert.match(await sub.cmd('RCPT TO:<carol@example.net>'), /^250/);
  assert.match(await sub.data(`From: ${ALICE}\r\nTo: carol@example.net\r\nSubject: hi\r\n\r\nHi.\r\n`), /^250/);
  assert.match(await client.cmd('MAIL FROM:<carol@example.net>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
});

test('mail between local users on submission is never judged', async (t) => {
  const { store, submission } = await startSmtpServer(t, (c) => (c.spam.dnsbl = ['bl.test']));
  const account = await addAccount(store, ALICE);
  await addAccount(store, 'bob@example.org');
  await trainAccount(store, account.id);
  const client = await SmtpClient.connect(submission);
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.authPlain('bob@example.org'), /^235/);
  assert.match(await client.cmd('MAIL FROM:<bob@example.org>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  const spamText = clearSpam().toString('latin1').replace(/^From: .*$/m, 'From: bob@example.org');
  assert.match(await client.data(spamText), /^250/);
  const [stored] = await mailbox(store, ALICE, 'INBOX');
  assert.ok(stored);
  assert.doesNotMatch(stored, /^X-Spam-/m);
});

test('a message that cannot be scored is delivered, with the error in its header', async (t) => {
  const { store } = await testStore(t);
  await addAccount(store, ALICE);
  // The filter's store is closed: every read fails, as a broken store would.
  const { store: broken } = await testStore(t);
  await broken.close();
  const config = defaultConfig('dev');
  const filter = new SpamFilter(broken, spamSettings(config), null, pino({ level: 'silent' }));
  const reports = await deliverMessage(store, { from: 'sender@example.net', recipients: [ALICE], raw: clearSpam(), subaddressSeparator: '+', spam: filter.check(clearSpam(), { from: 'sender@example.net' }) });
  assert.equal(reports[0]!.outcomes[0]!.status, 'delivered');
  const [stored] = await mailbox(store, ALICE, 'INBOX');
  assert.match(stored!, /^X-Spam-Status: Unknown, error="[^"\r\n]+"\r\n/m);
});

test('hostile messages are judged within bounds over SMTP: a huge folded header, deep MIME nesting, binary; the MX keeps serving', async (t) => {
  const { store, mx } = await startSmtpServer(t);
  const account = await addAccount(store, ALICE);
  await trainAccount(store, account.id);
  const folded = Buffer.from(`From: x@example.net\r\nSubject: ${Array.from({ length: 10_000 }, (_, i) => `w${i}`).join('\r\n ')}\r\n\r\nbody\r\n`);
  const nested = Buffer.from(
    'From: y@example.net\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n' +
      Array.from({ length: 300 }, (_, i) => `--b${i}\r\nContent-Type: multipart/mixed; boundary=b${i + 1}\r\n\r\n`).join(''),
  );
  const noise = Buffer.from(Array.from({ length: 200_000 }, (_, i) => ((i * 7919) % 255) + 1).filter((b) => b !== 10 && b !== 13 && b !== 46));
  const lines = Array.from({ length: Math.ceil(noise.length / 900) }, (_, i) => Buffer.concat([noise.subarray(i * 900, (i + 1) * 900), Buffer.from('\r\n')]));
  const binary = Buffer.concat([Buffer.from('From: z@example.net\r\n\r\n'), ...lines]);
  for (const raw of [folded, nested, binary]) assert.match((await sendRaw(t, mx, raw)).response, /^250/);
  assert.match((await sendRaw(t, mx, clearHam())).response, /^250/);
  const stored = [...(await mailbox(store, ALICE, 'INBOX')), ...(await mailbox(store, ALICE, 'Junk'))];
  assert.equal(stored.length, 4);
  for (const text of stored) assert.match(status(text), /^(?:Yes|No), score=/);
});

test('LMTP mail is judged per recipient account: one trained account junks it, an untrained one keeps it', async (t) => {
  const { server, store } = await startSmtpServer(t, (c) => (c.lmtp = { enabled: true, address: '127.0.0.1', port: 0 }));
  const account = await addAccount(store, ALICE);
  await addAccount(store, 'carol@example.org');
  await trainAccount(store, account.id);
  const client = await SmtpClient.connect(typeof server.lmtp === 'object' ? server.lmtp.port : 0);
  t.after(() => client.close());
  await client.reply();
  client.send('LHLO mta.example\r\n');
  await client.reply();
  assert.match(await client.cmd('MAIL FROM:<sender@example.net>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await client.cmd('RCPT TO:<carol@example.org>'), /^250/);
  const start = await client.cmd('DATA');
  assert.match(start, /^354/);
  client.send(Buffer.concat([Buffer.from(clearSpam().toString('latin1').replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..')), Buffer.from('\r\n.\r\n')]));
  assert.match((await client.reply())[0]!, /^250/);
  assert.match((await client.reply())[0]!, /^250/);
  const [junked] = await mailbox(store, ALICE, 'Junk');
  const [kept] = await mailbox(store, 'carol@example.org', 'INBOX');
  assert.match(status(junked!), /^Yes, /);
  assert.match(status(kept!), /^No, score=0\.00 required=5\.00$/);
});
