import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import { splitHeader } from '../src/mime/header.ts';
import { readAuthors } from '../src/smtp/author.ts';
import { SendRate } from '../src/smtp/send-rate.ts';
import { LevelCoordination } from '../src/store/level/coordination.ts';
import { addAccount, inbox, messageFrom, PASSWORD, SmtpClient, startSmtpServer } from './helpers/smtp.ts';

const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

const authors = async (header: string) => {
  const raw = Buffer.from(`${header}\r\n\r\nbody\r\n`, 'latin1');
  const read = await readAuthors(raw, splitHeader(raw));
  return 'addresses' in read ? read.addresses : null;
};

/** A session logged in as alice; each call sends one message to bob with this header on top and returns the answer. */
async function sendAsAlice(t: TestContext, port: number): Promise<(header: string) => Promise<string>> {
  const client = await SmtpClient.connect(port);
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.authPlain(ALICE), /^235/);
  return async (header) => {
    assert.match(await client.cmd(`MAIL FROM:<${ALICE}>`), /^250/);
    assert.match(await client.cmd(`RCPT TO:<${BOB}>`), /^250/);
    return client.data(`${header}\r\nTo: bob@example.org\r\nSubject: From check\r\n\r\nbody\r\n`);
  };
}

test('the From header is read as RFC 5322 addresses, and only one From field counts', async () => {
  assert.deepEqual(await authors('From: Alice <alice@example.org>'), ['alice@example.org']);
  assert.deepEqual(await authors('Subject: x\r\nfrom: "Bob, Jr." <bob@example.org>, carol@example.org'), ['bob@example.org', 'carol@example.org']);
  assert.deepEqual(await authors('From: "alice@example.org" <mallory@evil.example>'), ['mallory@evil.example']);
  assert.deepEqual(await authors('From: alice@example.org (Alice\r\n folded)'), ['alice@example.org']);
  assert.deepEqual(await authors('From: =?utf-8?q?J=C3=BCrgen?= <j@example.org>'), ['j@example.org']);
  assert.deepEqual(await authors('From: group: alice@example.org;'), ['alice@example.org']);
  assert.deepEqual(await authors('From: J\xc3\xbcrgen <j\xc3\xbcrgen@example.org>'), ['jürgen@example.org']);
  assert.equal(await authors('Subject: none'), null);
  assert.equal(await authors('From: a@example.org\r\nFrom: b@example.org'), null);
  assert.equal(await authors('From: undisclosed:;'), null);
  assert.equal(await authors('From: '), null);
  assert.equal(await authors(`From: ${Array.from({ length: 101 }, (_, i) => `u${i}@example.org`).join(', ')}`), null);
  // What the two parsers read differently, or had to repair, is no author at all.
  assert.equal(await authors('From: <@example.org>'), null);
  assert.equal(await authors('From: alice'), null);
  assert.equal(await authors('From: a@b@c.example'), null);
});

test('a From that parsers read differently, or with control characters, is refused (550 5.7.1) over a real session', async (t) => {
  const { submission, store } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  await addAccount(store, BOB);
  const send = await sendAsAlice(t, submission);
  // DKIM and DMARC downstream read bob@example.org in each of these.
  const attacks: [string, RegExp][] = [
    ['From: alice@example.org <bob@example.org>', /ambiguous/],
    ['From: alice@example.org\r\n <bob@example.org>', /ambiguous/],
    ['From: alice@example.org\r\n\t<bob@example.org>', /ambiguous/],
    ['From: alice@example.org (Alice) <bob@example.org>', /ambiguous/],
    ['From: alice@example.org\0<bob@example.org>', /control character/],
    ['From: alice@example.org\0\r\n <bob@example.org>', /control character/],
    ['From: alice@example.org\r<bob@example.org>', /control character/],
    ['From: alice@example.org\x1b<bob@example.org>', /control character/],
    ['From: alice@example.org@bob.example', /ambiguous/],
    ['From: alice@example.org\r\nFROM : bob@example.org', /exactly one From/],
    ['From: alice@example.org\r\nFrom\r\n : bob@example.org', /exactly one From/],
  ];
  for (const [header, why] of attacks) {
    const answer = await send(header);
    assert.match(answer, /^550 5\.7\.1 /, JSON.stringify(header));
    assert.match(answer, why, JSON.stringify(header));
  }
  assert.equal((await inbox(store, BOB)).length, 0);
  // The ordinary forms a mail client writes still go.
  for (const own of ['From: alice@example.org', 'From: <alice@example.org>', 'From: Alice <alice@example.org>', 'From: "Smith, Alice" <alice@example.org>',
    'From: =?utf-8?q?Al=C3=AFce?= <alice@example.org>', 'From: Alice\r\n <alice@example.org>', 'From: alice@example.org (Alice)', 'From: "alice@example.org" <alice@example.org>']) {
    assert.match(await send(own), /^250 /, own);
  }
  const transport = createTransport({ host: '127.0.0.1', port: submission, ignoreTLS: true, auth: { user: ALICE, pass: PASSWORD } });
  t.after(() => transport.close());
  const sent = await transport.sendMail({ from: { name: 'Alice "Al" Smith, Jr. (home)', address: ALICE }, to: BOB, subject: 'nodemailer', text: 'hello' });
  assert.match(sent.response, /^250/);
  await assert.rejects(transport.sendMail({ envelope: { from: ALICE, to: [BOB] }, from: `${ALICE} <${BOB}>`, to: BOB, subject: 'forged', text: 'hello' }), /550 5\.7\.1/);
});

test('submission refuses a From the account may not use, and a message without one From (550 5.7.1)', async (t) => {
  const { submission, store } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  await addAccount(store, BOB);
  await store.addAlias('team@example.org', [ALICE, BOB]);
  const send = await sendAsAlice(t, submission);
  for (const own of ['From: Alice <alice@example.org>', 'From: ALICE+lists@Example.ORG', 'From: team@example.org', 'From: alice@example.org, team@example.org']) {
    assert.match(await send(own), /^250 /, own);
  }
  for (const foreign of ['From: bob@example.org', 'From: "alice@example.org" <bob@example.org>', 'From: alice@example.org, bob@example.org', 'From: alice@example.net']) {
    assert.match(await send(foreign), /^550 5\.7\.1 From address <.*> not owned by alice@example\.org/, foreign);
  }
  for (const missing of ['Sender: alice@example.org', 'From: alice@example.org\r\nFrom: alice@example.org', 'From: undisclosed:;', 'From: <@example.org>']) {
    assert.match(await send(missing), /^550 5\.7\.1 The /, missing);
  }
  assert.equal((await inbox(store, BOB)).length, 4);

  // nodemailer, as a mail client would: the envelope is alice's, the From header is not.
  const transport = createTransport({ host: '127.0.0.1', port: submission, ignoreTLS: true, auth: { user: ALICE, pass: PASSWORD } });
  t.after(() => transport.close());
  await assert.rejects(transport.sendMail({ envelope: { from: ALICE, to: [BOB] }, raw: messageFrom(BOB, 'spoof') }), /550 5\.7\.1/);
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
  assert.match(await alice.data(messageFrom(BOB, 'spoof')), /^550/);
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

test('two sessions of one account past MAIL FROM for the last slot: the first DATA takes it, the second gets 450 4.7.1 there', async (t) => {
  const { submission, store } = await startSmtpServer(t, (c) => {
    c.submission_limits.messages_per_hour = 1;
  });
  for (const user of [ALICE, BOB]) await addAccount(store, user);
  const session = async () => {
    const client = await SmtpClient.connect(submission);
    t.after(() => client.close());
    await client.hello();
    assert.match(await client.authPlain(ALICE), /^235/);
    assert.match(await client.cmd(`MAIL FROM:<${ALICE}>`), /^250/);
    assert.match(await client.cmd(`RCPT TO:<${BOB}>`), /^250/);
    return client;
  };
  const [first, second] = [await session(), await session()];
  assert.match(await first.data(messageFrom(ALICE, 'first')), /^250/);
  assert.match(await second.data(messageFrom(ALICE, 'second')), /^450 4\.7\.1 Sending rate limit reached for this account, try again later/);
  assert.deepEqual((await inbox(store, BOB)).length, 1);
  assert.match(await second.cmd(`MAIL FROM:<${ALICE}>`), /^450 4\.7\.1 /);
});

test('the send rate window slides: what was sent an hour ago no longer counts; a message taken back counts for nothing', async () => {
  let now = 1_000_000;
  const rate = new SendRate({ messagesPerHour: 2, recipientsPerHour: 3 }, new LevelCoordination(), () => now);
  assert.ok(await rate.mayStartMessage(1));
  assert.ok(await rate.count(1, 2));
  now += 30 * 60 * 1000;
  assert.ok(await rate.mayAddRecipients(1, 1));
  assert.ok(!(await rate.mayAddRecipients(1, 2)));
  const refused = await rate.count(1, 1);
  assert.ok(refused);
  await refused.takeBack();
  assert.ok(await rate.mayAddRecipients(1, 1), 'taken back');
  assert.ok(await rate.count(1, 1));
  assert.ok(!(await rate.mayStartMessage(1)));
  assert.equal(await rate.count(1, 1), null, 'no third message');
  assert.ok(await rate.mayStartMessage(2), 'per account');
  now += 30 * 60 * 1000 + 1;
  assert.ok(await rate.mayStartMessage(1), 'the first message left the window');
  assert.ok(await rate.mayAddRecipients(1, 2));
  assert.ok(!(await rate.mayAddRecipients(1, 3)));
  const unlimited = new SendRate({ messagesPerHour: 0, recipientsPerHour: 0 }, new LevelCoordination(), () => now);
  for (let i = 0; i < 1000; i++) assert.ok(await unlimited.count(1, 1000));
  assert.ok((await unlimited.mayStartMessage(1)) && (await unlimited.mayAddRecipients(1, 10 ** 6)));
});
