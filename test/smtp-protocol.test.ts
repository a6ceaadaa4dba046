import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCrlf } from '../src/delivery/line-endings.ts';
import { addAccount, inbox, serverCa, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

async function mxSession(port: number): Promise<SmtpClient> {
  const client = await SmtpClient.connect(port);
  await client.hello();
  return client;
}

test('EHLO on the MX advertises the extensions and no AUTH', async (t) => {
  const { mx, config } = await startSmtpServer(t);
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  const greeting = await client.reply();
  assert.match(greeting[0]!, /^220 localhost ESMTP/);
  client.send('EHLO client.example.net\r\n');
  const lines = (await client.reply()).map((l) => l.slice(4));
  for (const ext of ['PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES', 'DSN', 'STARTTLS', `SIZE ${config.limits.message_size}`]) {
    assert.ok(lines.includes(ext), `${ext} in ${JSON.stringify(lines)}`);
  }
  assert.ok(!lines.some((l) => l.startsWith('AUTH')));
});

test('a message to a local user is stored byte-exact behind Return-Path, Delivered-To and Received', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  const client = await mxSession(mx);
  t.after(() => client.close());
  const body = message('stored', 'Line one\r\n.leading dot\r\n\r\nÜmlaut 8bit \x80\r\n');
  assert.match(await client.cmd('MAIL FROM:<bob@example.net> BODY=8BITMIME'), /^250 2\.1\.0/);
  assert.match(await client.cmd('RCPT TO:<Alice@EXAMPLE.org>'), /^250 2\.1\.5/);
  assert.match(await client.data(body), /^250 2\.6\.0/);
  const [stored] = await inbox(store, 'alice@example.org');
  assert.ok(stored);
  const text = stored.bytes.toString('latin1');
  // The spam verdict and our Authentication-Results (with x-spam) of the account's copy (docs/spam.md) sit between Delivered-To and Received.
  assert.match(text, /^Return-Path: <bob@example\.net>\r\nDelivered-To: alice@example\.org\r\nX-Spam-Flag: NO\r\nX-Spam-Score: \S+\r\nX-Spam-Status: [^\r]*\r\nAuthentication-Results: localhost;(?:\r\n [^\r]*)*\r\nReceived: from client\.example\.net \(\[127\.0\.0\.1\]\)\r\n/, text.slice(0, 300));
  assert.match(text, /\tby localhost \(Mailfold\) with ESMTP id \S+\r\n\tfor <Alice@EXAMPLE\.org>; \w{3}, \d\d \w{3} \d{4} [\d:]{8} \+0000\r\n/);
  assert.deepEqual(stored.bytes.subarray(stored.bytes.length - body.length), toCrlf(body));
  assert.equal(stored.meta.size, stored.bytes.length);
});

test('unknown users get 550 5.1.1, non-local domains 554 5.7.1, and the relay tricks never leave', async (t) => {
  // More refusals in one session than a guesser gets (smtp-rcpt-guessing.test.ts).
  const { mx, store } = await startSmtpServer(t, (c) => (c.limits.failed_recipients_per_session = 100));
  await addAccount(store, 'alice@example.org');
  await store.addDomain('catch.example');
  await addAccount(store, 'bucket@catch.example');
  await store.addAlias('@catch.example', ['bucket@catch.example']);
  const client = await mxSession(mx);
  t.after(() => client.close());
  assert.match(await client.cmd('MAIL FROM:<bob@example.net>'), /^250/);
  const refused: [string, RegExp][] = [
    ['nobody@example.org', /^550 5\.1\.1 /],
    ['victim@remote.example', /^554 5\.7\.1 Relay access denied/],
    ['victim%remote.example@example.org', /^550 5\.1\.1 /],
    ['@example.org:victim@remote.example', /^554 5\.7\.1 /],
    ['"victim@remote.example"@example.org', /^5\d\d 5\.1\.3 /],
    ['victim@remote.example@example.org', /^5\d\d 5\.1\.3 /],
    // smtp-server refuses a trailing dot as bad syntax before the policy sees it.
    ['victim@remote.example.', /^501 5\.1\.3 /],
    ['alice@EXAMPLE.ORG.', /^501 5\.1\.3 /],
    ['victim@REMOTE.EXAMPLE', /^554 5\.7\.1 /],
    ['victim@[192.0.2.1]', /^5\d\d 5\.1\.3 /],
    ['remote.example!victim@example.org', /^550 5\.1\.1 /],
    ['victim@remote.example%example.org', /^5\d\d 5\.1\.3 /],
  ];
  for (const [rcpt, expected] of refused) assert.match(await client.cmd(`RCPT TO:<${rcpt}>`), expected, rcpt);
  // These resolve inside the local domains only.
  for (const rcpt of ['@relay.example:alice@example.org', 'ALICE@example.org', 'victim%remote.example@catch.example']) {
    assert.match(await client.cmd(`RCPT TO:<${rcpt}>`), /^250 2\.1\.5/, rcpt);
  }
  assert.match(await client.data(message('tricks')), /^250/);
  assert.equal((await inbox(store, 'alice@example.org')).length, 1);
  assert.equal((await inbox(store, 'bucket@catch.example')).length, 1);
});

test('SIZE is enforced at MAIL FROM and during DATA with 552 5.3.4', async (t) => {
  const { mx, store } = await startSmtpServer(t, (c) => (c.limits.message_size = 4096));
  await addAccount(store, 'alice@example.org');
  const client = await mxSession(mx);
  t.after(() => client.close());
  assert.match(await client.cmd('MAIL FROM:<bob@example.net> SIZE=5000'), /^552 5\.3\.4/);
  assert.match(await client.cmd('MAIL FROM:<bob@example.net> SIZE=1000'), /^250/);
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await client.data(message('big', `${'y'.repeat(76)}\r\n`.repeat(80))), /^552 5\.3\.4/);
  // The session goes on.
  assert.match(await client.cmd('MAIL FROM:<bob@example.net>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await client.data(message('small')), /^250/);
  assert.equal((await inbox(store, 'alice@example.org')).length, 1);
});

test('an account over quota gets 452 4.2.2 at RCPT', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org', { messages: 1 });
  const client = await mxSession(mx);
  t.after(() => client.close());
  await client.cmd('MAIL FROM:<bob@example.net>');
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await client.data(message('first')), /^250/);
  await client.cmd('MAIL FROM:<bob@example.net>');
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^452 4\.2\.2 .*quota/);
});

test('a copy refused at DATA while others were written: 250, and the sender gets a failure report for it alone', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  // Room at RCPT, none for the message itself.
  await addAccount(store, 'dave@example.org', { bytes: 100 });
  await addAccount(store, 'carol@example.org');
  const client = await mxSession(mx);
  t.after(() => client.close());
  await client.cmd('MAIL FROM:<carol@example.org>');
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<dave@example.org>'), /^250/);
  assert.match(await client.data(message('to both', 'x'.repeat(500))), /^250 2\.6\.0/);
  assert.equal((await inbox(store, 'alice@example.org')).length, 1);
  assert.equal((await inbox(store, 'dave@example.org')).length, 0);
  const reports = await inbox(store, 'carol@example.org');
  assert.equal(reports.length, 1);
  const report = reports[0]!.bytes.toString('latin1');
  assert.match(report, /^Content-Type: multipart\/report; report-type=delivery-status/m);
  assert.match(report, /^Final-Recipient: rfc822; ?dave@example\.org\r\nAction: failed\r\nStatus: 5\.2\.2\r\n/m);
  assert.match(report, /^Diagnostic-Code: smtp; ?452 4\.2\.2 Mailbox full/m);
  assert.doesNotMatch(report, /alice@example\.org\r\nAction/);

  // When no copy was written, nothing was accepted: the refusal is the reply, and no report.
  await client.cmd('MAIL FROM:<carol@example.org>');
  assert.match(await client.cmd('RCPT TO:<dave@example.org>'), /^250/);
  assert.match(await client.data(message('to dave', 'x'.repeat(500))), /^452 4\.2\.2/);
  assert.equal((await inbox(store, 'carol@example.org')).length, 1);
});

test('pipelined commands get their replies in order', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  await addAccount(store, 'carol@example.org');
  const client = await mxSession(mx);
  t.after(() => client.close());
  client.send('MAIL FROM:<bob@example.net>\r\nRCPT TO:<alice@example.org>\r\nRCPT TO:<nobody@example.org>\r\nRCPT TO:<carol@example.org>\r\nDATA\r\n');
  const replies = [];
  for (let i = 0; i < 5; i++) replies.push((await client.reply()).at(-1)!.slice(0, 3));
  assert.deepEqual(replies, ['250', '250', '550', '250', '354']);
  client.send(`${message('pipelined').toString()}.\r\nRSET\r\nNOOP\r\n`);
  assert.match((await client.reply())[0]!, /^250 2\.6\.0/);
  assert.match((await client.reply())[0]!, /^250/);
  assert.match((await client.reply())[0]!, /^250/);
  assert.equal((await inbox(store, 'alice@example.org')).length, 1);
  assert.equal((await inbox(store, 'carol@example.org')).length, 1);
});

test('STARTTLS on the MX uses TLS 1.2+ and shows in Received', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  const client = await mxSession(mx);
  t.after(() => client.close());
  assert.match(await client.cmd('STARTTLS'), /^220/);
  await client.startTls(await serverCa(store));
  client.send('EHLO client.example.net\r\n');
  assert.ok(!(await client.reply()).some((l) => l.includes('STARTTLS')));
  await client.cmd('MAIL FROM:<bob@example.net>');
  await client.cmd('RCPT TO:<alice@example.org>');
  assert.match(await client.data(message('tls')), /^250/);
  const [stored] = await inbox(store, 'alice@example.org');
  assert.match(stored!.bytes.toString(), /\(using TLSv1\.[23] with cipher \S+\)\r\n\tby localhost \(Mailfold\) with ESMTPS/);
});
