import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTransport } from 'nodemailer';
import { deafDns } from './helpers/dns.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { untilEmpty, untilQueue, untilTried } from './helpers/queue.ts';
import { addAccount, inbox, PASSWORD, startSmtpServer } from './helpers/smtp.ts';

const send = (port: number, to: string[]) =>
  createTransport({ host: '127.0.0.1', port, secure: false, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } }).sendMail({
    from: 'alice@a.test',
    to,
    subject: 'Via the relay',
    text: 'Hello.',
  });

test('smarthost: every remote message goes to the relay, over STARTTLS with AUTH; its certificate is checked unless told not to', async (t) => {
  const port = await sharedPort(['127.0.0.1']);
  const relay = await startPeer(t, '127.0.0.1', port, { users: { relayuser: 'relay secret' } });
  // No DNS answers at all: the smarthost needs no MX lookup.
  const dns = await deafDns(t);
  const smarthost = { host: 'localhost', port, tls: 'starttls' as const, username: 'relayuser', password: 'relay secret' };
  const a = await startSmtpServer(t, (c) => {
    c.dns.servers = [dns];
    c.smtp.smarthost = { ...smarthost, verify_certificate: false };
  });
  await addAccount(a.store, 'alice@a.test');
  await send(a.submission, ['bob@b.test', 'carol@c.test', 'dave@b.test']);
  await untilEmpty(a.server.queue);
  assert.equal(relay.length, 1, 'one transaction for all domains');
  assert.deepEqual(relay[0]!.to, ['bob@b.test', 'carol@c.test', 'dave@b.test']);
  assert.equal(relay[0]!.user, 'relayuser');
  assert.match(relay[0]!.raw, /Subject: Via the relay/);

  // smtp-server's own certificate is self-signed: with verification on, nothing is sent and the message waits.
  const strict = await startSmtpServer(t, (c) => {
    c.dns.servers = [dns];
    c.smtp.smarthost = { ...smarthost, verify_certificate: true };
  });
  await addAccount(strict.store, 'alice@a.test');
  await send(strict.submission, ['bob@b.test']);
  const waiting = await untilTried(strict.server.queue);
  assert.equal(waiting.recipients[0]!.state, 'pending');
  assert.match(waiting.recipients[0]!.lastResult!, /certificate/);
  assert.equal(relay.length, 1);
});

test('a wrong smarthost password keeps the mail queued instead of bouncing it', async (t) => {
  const port = await sharedPort(['127.0.0.1']);
  await startPeer(t, '127.0.0.1', port, { users: { relayuser: 'relay secret' } });
  const a = await startSmtpServer(t, (c) => {
    c.smtp.smarthost = { host: 'localhost', port, tls: 'starttls', verify_certificate: false, username: 'relayuser', password: 'wrong password' };
  });
  await addAccount(a.store, 'alice@a.test');
  await send(a.submission, ['bob@b.test']);
  const entry = await untilTried(a.server.queue);
  assert.equal(entry.recipients[0]!.state, 'pending');
  assert.match(entry.recipients[0]!.lastResult!, /authentication failed/);
  assert.equal((await inbox(a.store, 'alice@a.test')).length, 0);
});

test('capture mode files outbound mail into a local mailbox and sends nothing', async (t) => {
  const dns = await deafDns(t);
  const a = await startSmtpServer(t, (c) => {
    c.dns.servers = [dns];
    c.queue.capture = 'outbox@a.test';
  });
  await addAccount(a.store, 'alice@a.test');
  await addAccount(a.store, 'outbox@a.test');
  await send(a.submission, ['bob@b.test', 'carol@c.test', 'alice@a.test']);
  const [captured] = await untilQueue(a.server.queue, async () => {
    const messages = await inbox(a.store, 'outbox@a.test');
    return messages.length > 0 && messages.map((m) => m.bytes.toString());
  });
  assert.match(captured!, /^Return-Path: <alice@a\.test>\r\nDelivered-To: outbox@a\.test\r\nX-Original-To: bob@b\.test\r\nX-Original-To: carol@c\.test\r\nReceived: /);
  assert.match(captured!, /Subject: Via the relay/);
  assert.equal((await inbox(a.store, 'alice@a.test')).length, 1, 'the local recipient got its copy directly');
  assert.deepEqual(await a.store.listQueue(), []);
});
