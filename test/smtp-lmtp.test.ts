import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../src/config/index.ts';
import { tempDir } from './helpers/env.ts';
import { RawClient } from './helpers/pop3.ts';
import { addAccount, inbox, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

test('LMTP is off by default and configurable', (t) => {
  const dir = tempDir(t);
  assert.deepEqual(loadConfig({ profile: 'dev', env: {}, cwd: dir }).lmtp, { enabled: false, address: '127.0.0.1', port: 2024 });
  const file = join(dir, 'mailfold.toml');
  writeFileSync(file, '[lmtp]\nenabled = true\nsocket = "/run/mailfold/lmtp.sock"\n');
  assert.deepEqual(loadConfig({ profile: 'dev', env: {}, cwd: dir, file }).lmtp, { enabled: true, address: '127.0.0.1', port: 2024, socket: '/run/mailfold/lmtp.sock' });
  writeFileSync(file, '[lmtp]\nport = 0\n');
  assert.throws(() => loadConfig({ profile: 'dev', env: {}, cwd: dir, file }), /lmtp\.port/);
});

test('LMTP answers each recipient after DATA', async (t) => {
  const { server, store } = await startSmtpServer(t, (c) => {
    for (const name of ['smtp', 'submission', 'submissions'] as const) c.listeners[name].enabled = false;
    c.lmtp = { enabled: true, address: '127.0.0.1', port: 0 };
  });
  await addAccount(store, 'alice@example.org', { messages: 1 });
  await addAccount(store, 'carol@example.org');
  assert.equal(server.listeners.smtp, undefined);
  const port = typeof server.lmtp === 'object' ? server.lmtp.port : 0;
  const client = await SmtpClient.connect(port);
  t.after(() => client.close());
  assert.match((await client.reply())[0]!, /^220 localhost LMTP/);
  assert.match(await client.cmd('EHLO mta.example'), /^500/);
  client.send('LHLO mta.example\r\n');
  await client.reply();
  await client.cmd('MAIL FROM:<bob@example.net>');
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<carol@example.org>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<nobody@example.org>'), /^550 5\.1\.1/);
  assert.match(await client.cmd('RCPT TO:<x@remote.example>'), /^554 5\.7\.1/);
  assert.match(await client.data(message('lmtp one')), /^250 2\.6\.0 <alice@example\.org> delivered/);
  assert.match((await client.reply())[0]!, /^250 2\.6\.0 <carol@example\.org> delivered/);
  // Alice's quota is now full: her copy is refused, Carol's is taken, each said on its own line.
  await client.cmd('MAIL FROM:<bob@example.net>');
  assert.match(await client.cmd('RCPT TO:<carol@example.org>'), /^250/);
  assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^452 4\.2\.2/);
  assert.match(await client.data(message('lmtp two')), /^250 /);
  assert.equal((await inbox(store, 'carol@example.org')).length, 2);
  assert.equal((await inbox(store, 'alice@example.org')).length, 1);
});

test('LMTP: an alias whose copies were written in part is delivered, and the sender told of the rest', async (t) => {
  const { server, store } = await startSmtpServer(t, (c) => {
    for (const name of ['smtp', 'submission', 'submissions'] as const) c.listeners[name].enabled = false;
    c.lmtp = { enabled: true, address: '127.0.0.1', port: 0 };
  });
  await addAccount(store, 'alice@example.org');
  // Room at RCPT, none for the message itself.
  await addAccount(store, 'dave@example.org', { bytes: 100 });
  await addAccount(store, 'carol@example.org');
  await store.addAlias('team@example.org', ['alice@example.org', 'dave@example.org']);
  const client = await SmtpClient.connect(typeof server.lmtp === 'object' ? server.lmtp.port : 0);
  t.after(() => client.close());
  await client.reply();
  client.send('LHLO mta.example\r\n');
  await client.reply();
  await client.cmd('MAIL FROM:<carol@example.org>');
  assert.match(await client.cmd('RCPT TO:<team@example.org>'), /^250/);
  assert.match(await client.data(message('to the team', 'x'.repeat(500))), /^250 2\.6\.0 <team@example\.org> delivered/);
  assert.equal((await inbox(store, 'alice@example.org')).length, 1);
  assert.equal((await inbox(store, 'dave@example.org')).length, 0);
  const [report] = await inbox(store, 'carol@example.org');
  assert.match(report!.bytes.toString('latin1'), /^Final-Recipient: rfc822; ?team@example\.org\r\nAction: failed\r\nStatus: 5\.2\.2\r\n/m);
});

test('LMTP on a unix socket', async (t) => {
  const path = join(tempDir(t), 'lmtp.sock');
  const { server, store } = await startSmtpServer(t, (c) => (c.lmtp = { enabled: true, address: '127.0.0.1', port: 1, socket: path }));
  await addAccount(store, 'alice@example.org');
  assert.equal(server.lmtp, path);
  const socket = connect(path);
  await once(socket, 'connect');
  const client = Object.setPrototypeOf(new RawClient(socket), SmtpClient.prototype) as SmtpClient;
  t.after(() => client.close());
  await client.reply();
  client.send('LHLO mta.example\r\n');
  await client.reply();
  await client.cmd('MAIL FROM:<>');
  await client.cmd('RCPT TO:<alice@example.org>');
  assert.match(await client.data(message('over a socket')), /^250 /);
  const [stored] = await inbox(store, 'alice@example.org');
  assert.match(stored!.bytes.toString(), /^Return-Path: <>\r\n[^]*with LMTP id/);
});
