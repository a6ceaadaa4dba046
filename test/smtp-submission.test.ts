import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addAccount, inbox, messageFrom, serverCa, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { untilQueue } from './helpers/queue.ts';

test('submission refuses AUTH before TLS when loopback plaintext is off, and accepts it after STARTTLS', async (t) => {
  const { submission, store } = await startSmtpServer(t, (c) => (c.auth.plaintext_on_loopback = false));
  await addAccount(store, 'alice@example.org');
  const client = await SmtpClient.connect(submission);
  t.after(() => client.close());
  const before = await client.hello();
  assert.ok(!before.some((l) => l.includes('AUTH')), 'no AUTH offered in clear');
  assert.ok(before.some((l) => l.endsWith('STARTTLS')));
  assert.match(await client.authPlain('alice@example.org'), /^5\d\d /);
  assert.match(await client.cmd('MAIL FROM:<alice@example.org>'), /^530 5\.7\.0/);
  assert.match(await client.cmd('STARTTLS'), /^220/);
  await client.startTls(await serverCa(store));
  client.send('EHLO client.example.net\r\n');
  const after = await client.reply();
  assert.ok(after.some((l) => /AUTH PLAIN LOGIN SCRAM-SHA-256 SCRAM-SHA-256-PLUS$/.test(l)), JSON.stringify(after));
  assert.ok(!after.some((l) => l.includes('CRAM-MD5')));
  assert.match(await client.authPlain('alice@example.org', 'wrong password!'), /^535 5\.7\.8/);
  assert.match(await client.authPlain('alice@example.org'), /^235 2\.7\.0/);
  assert.match(await client.cmd('MAIL FROM:<alice@example.org>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await client.data(messageFrom('alice@example.org', 'self')), /^250/);
  const [stored] = await inbox(store, 'alice@example.org');
  assert.match(stored!.bytes.toString(), /with ESMTPSA id/);
});

test('AUTH LOGIN works in clear on loopback when allowed, and mail needs AUTH', async (t) => {
  const { submission, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  const client = await SmtpClient.connect(submission);
  t.after(() => client.close());
  const ehlo = await client.hello();
  assert.ok(ehlo.some((l) => /AUTH PLAIN LOGIN SCRAM-SHA-256$/.test(l)));
  assert.match(await client.cmd('MAIL FROM:<alice@example.org>'), /^530 5\.7\.0/);
  assert.match(await client.cmd('AUTH CRAM-MD5'), /^504/);
  assert.match(await client.cmd('AUTH LOGIN'), /^334 VXNlcm5hbWU6/);
  assert.match(await client.cmd(Buffer.from('alice@example.org').toString('base64')), /^334 UGFzc3dvcmQ6/);
  assert.match(await client.cmd(Buffer.from('correct horse battery').toString('base64')), /^235/);
});

test('the sender must be an address the account owns (553 5.7.1); remote recipients are queued', async (t) => {
  const { submissions, store, server } = await startSmtpServer(t, (c) => (c.queue.capture = 'bob@example.org'));
  await addAccount(store, 'alice@example.org');
  await addAccount(store, 'bob@example.org');
  await store.addAlias('team@example.org', ['alice@example.org', 'bob@example.org']);
  await store.addAlias('bobs@example.org', ['bob@example.org']);
  const client = await SmtpClient.connect(submissions, { tls: true, ca: await serverCa(store) });
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.authPlain('alice@example.org'), /^235/);
  for (const from of ['bob@example.org', 'bobs@example.org', 'alice@example.net', '', 'alice.other@example.org']) {
    assert.match(await client.cmd(`MAIL FROM:<${from}>`), /^553 5\.7\.1 /, from);
  }
  for (const from of ['alice@example.org', 'ALICE+news@Example.org', 'team@example.org', 'team+x@example.org']) {
    assert.match(await client.cmd(`MAIL FROM:<${from}>`), /^250/, from);
    assert.match(await client.cmd('RSET'), /^250/);
  }
  await client.cmd('MAIL FROM:<alice@example.org>');
  assert.match(await client.cmd('RCPT TO:<friend@remote.example>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<bob@example.org>'), /^250/);
  assert.match(await client.data(messageFrom('alice@example.org', 'to bob')), /^250/);
  // Bob's own copy, and the remote copy that capture mode (queue.capture) filed into his INBOX too.
  const copies = await untilQueue(server.queue, async () => {
    const messages = await inbox(store, 'bob@example.org');
    return messages.length === 2 && messages;
  });
  assert.ok(copies.some((m) => /^X-Original-To: friend@remote\.example\r\n/m.test(m.bytes.toString())));
});

test('failed logins are throttled across connections', async (t) => {
  const { submission, store } = await startSmtpServer(t, (c) => (c.auth.throttle_max_failures = 2));
  await addAccount(store, 'alice@example.org');
  for (let i = 0; i < 2; i++) {
    const client = await SmtpClient.connect(submission);
    await client.hello();
    assert.match(await client.authPlain('alice@example.org', 'nope nope nope'), /^535/);
    client.close();
  }
  const client = await SmtpClient.connect(submission);
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.authPlain('alice@example.org'), /^454 4\.7\.0 Too many failed attempts/);
});
