import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTransport } from 'nodemailer';
import { splitHeader } from '../src/mime/header.ts';
import { authorAddresses } from '../src/smtp/author.ts';
import { SendRate } from '../src/smtp/send-rate.ts';
import { addAccount, inbox, messageFrom, PASSWORD, SmtpClient, startSmtpServer } from './helpers/smtp.ts';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

const authors = (header: string) => authorAddresses(splitHeader(Buffer.from(`${header}\r\n\r\nbody\r\n`, 'latin1')));

test('the From header is read as RFC 5322 addresses, and only one From field counts', () => {
  assert.deepEqual(authors('From: Alice <alice@example.org>'), ['alice@example.org']);
  assert.deepEqual(authors('Subject: x\r\nfrom: "Bob, Jr." <bob@example.org>, carol@example.org'), ['bob@example.org', 'carol@example.org']);
  assert.deepEqual(authors('From: "alice@example.org" <mallory@evil.example>'), ['mallory@evil.example']);
  assert.deepEqual(authors('From: alice@example.org (Alice\r\n folded)'), ['alice@example.org']);
  assert.deepEqual(authors('From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>'), ['j@example.org']);
  assert.equal(authors('Subject: none'), null);
  assert.equal(authors('From: a@example.org\r\nFrom: b@example.org'), null);
  assert.equal(authors('From: undisclosed:;'), null);
  assert.equal(authors('From: '), null);
  assert.equal(authors(`From: ${Array.from({ length: 101 }, (_, i) => `u${i}@example.org`).join(', ')}`), null);
  // What the parser had to repair keeps a placeholder, so it matches no account.
  assert.deepEqual(authors('From: <@example.org>'), ['MISSING_MAILBOX@MISSING_DOMAIN']);
  assert.deepEqual(authors('From: alice'), ['alice@MISSING_DOMAIN']);
  assert.deepEqual(authors('From: a@b@c.example'), ['a@b']);
});

test('submission refuses a From the account may not use (553 5.7.1), and a message without one From (550 5.6.0)', async (t) => {
  const { submission, store } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  await addAccount(store, BOB);
  await store.addAlias('team@example.org', [ALICE, BOB]);
  const client = await SmtpClient.connect(submission);
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.authPlain(ALICE), /^235/);
  const send = async (header: string) => {
    assert.match(await client.cmd(`MAIL FROM:<${ALICE}>`), /^250/);
    assert.match(await client.cmd(`RCPT TO:<${BOB}>`), /^250/);
    return client.data(`${header}\r\nTo: bob@example.org\r\nSubject: policy\r\n\r\nbody\r\n`);
  };
  for (const own of ['From: Alice <alice@example.org>', 'From: ALICE+lists@Example.ORG', 'From: team@example.org', 'From: alice@example.org, team@example.org']) {
    assert.match(await send(own), /^250 /, own);
  }
  for (const foreign of ['From: bob@example.org', 'From: "alice@example.org" <bob@example.org>', 'From: alice@example.org, bob@example.org', 'From: alice@example.net', 'From: <@example.org>']) {
    assert.match(await send(foreign), /^553 5\.7\.1 From address <.*> not owned by alice@example\.org/, foreign);
  }
  for (const missing of ['Sender: alice@example.org', 'From: alice@example.org\r\nFrom: alice@example.org', 'From: undisclosed:;']) {
    assert.match(await send(missing), /^550 5\.6\.0 /, missing);
  }
  assert.equal((await inbox(store, BOB)).length, 4);

  // nodemailer, as a mail client would: the envelope is alice's, the From header is not.
  const transport = createTransport({ host: '127.0.0.1', port: submission, ignoreTLS: true, auth: { user: ALICE, pass: PASSWORD } });
  t.after(() => transport.close());
  await assert.rejects(transport.sendMail({ envelope: { from: ALICE, to: [BOB] }, raw: messageFrom(BOB, 'spoof') }), /553 5\.7\.1/);
  assert.match((await transport.sendMail({ envelope: { from: ALICE, to: [BOB] }, raw: messageFrom(ALICE, 'fine') })).response, /^250/);
});

test('per-account rate limits: messages and recipients per hour, 450 4.7.1 past them', async (t) => {
  const { submission, store } = await startSmtpServer(t, (c) => {
    c.submission_limits.messages_per_hour = 3;
    c.submission_limits.recipients_per_hour = 4;
  });
  for (const user of [ALICE, BOB, 'carol@example.org']) await addAccount(store, user);
  const session = async (user: string) => {
    const client = await SmtpClient.connect(submission);
    t.after(() => client.close());
    await client.hello();
    assert.match(await client.authPlain(user), /^235/);
    return client;
  };
  const alice = await session(ALICE);
  // Three recipients, then a fourth in the next message: the fifth is over.
  assert.match(await alice.cmd(`MAIL FROM:<${ALICE}>`), /^250/);
  for (const rcpt of [BOB, 'carol@example.org', ALICE]) assert.match(await alice.cmd(`RCPT TO:<${rcpt}>`), /^250/);
  assert.match(await alice.data(messageFrom(ALICE, 'one')), /^250/);
  // A refused message counts for nothing.
  assert.match(await alice.cmd(`MAIL FROM:<${ALICE}>`), /^250/);
  assert.match(await alice.cmd(`RCPT TO:<${BOB}>`), /^250/);
  assert.match(await alice.data(messageFrom(BOB, 'spoof')), /^553/);
  assert.match(await alice.cmd(`MAIL FROM:<${ALICE}>`), /^250/);
  assert.match(await alice.cmd(`RCPT TO:<${BOB}>`), /^250/);
  assert.match(await alice.cmd(`RCPT TO:<carol@example.org>`), /^450 4\.7\.1 Sending rate limit/);
  assert.match(await alice.data(messageFrom(ALICE, 'two')), /^250/);
  assert.match(await alice.cmd(`MAIL FROM:<${ALICE}>`), /^250/);
  assert.match(await alice.cmd(`RCPT TO:<${BOB}>`), /^450 4\.7\.1 /);
  assert.match(await alice.cmd('RSET'), /^250/);

  // Messages: the fourth MAIL FROM within the hour is refused; another account is not affected.
  const bob = await session(BOB);
  for (const subject of ['b1', 'b2', 'b3']) {
    assert.match(await bob.cmd(`MAIL FROM:<${BOB}>`), /^250/);
    assert.match(await bob.cmd(`RCPT TO:<${ALICE}>`), /^250/);
    assert.match(await bob.data(messageFrom(BOB, subject)), /^250/);
  }
  assert.match(await bob.cmd(`MAIL FROM:<${BOB}>`), /^450 4\.7\.1 /);
  const carol = await session('carol@example.org');
  assert.match(await carol.cmd('MAIL FROM:<carol@example.org>'), /^250/);
  // The limit holds across connections and listeners of the same account.
  const again = await session(BOB);
  assert.match(await again.cmd(`MAIL FROM:<${BOB}>`), /^450 4\.7\.1 /);
});

test('the send rate window slides: what was sent an hour ago no longer counts', () => {
  let now = 1_000_000;
  const rate = new SendRate({ messagesPerHour: 2, recipientsPerHour: 3 }, () => now);
  assert.ok(rate.mayStartMessage(1));
  rate.record(1, 2);
  now += 30 * 60 * 1000;
  assert.ok(rate.mayAddRecipients(1, 1));
  assert.ok(!rate.mayAddRecipients(1, 2));
  rate.record(1, 1);
  assert.ok(!rate.mayStartMessage(1));
  assert.ok(rate.mayStartMessage(2), 'per account');
  now += 30 * 60 * 1000 + 1;
  assert.ok(rate.mayStartMessage(1), 'the first message left the window');
  assert.ok(rate.mayAddRecipients(1, 2));
  assert.ok(!rate.mayAddRecipients(1, 3));
  const unlimited = new SendRate({ messagesPerHour: 0, recipientsPerHour: 0 }, () => now);
  for (let i = 0; i < 1000; i++) unlimited.record(1, 1000);
  assert.ok(unlimited.mayStartMessage(1) && unlimited.mayAddRecipients(1, 10 ** 6));
});
