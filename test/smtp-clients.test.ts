import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createTransport } from 'nodemailer';
import { deafDns } from './helpers/dns.ts';
import { ROOT, tempDir } from './helpers/env.ts';
import { addAccount, inbox, messageFrom, PASSWORD, requireTool, serverCa, startSmtpServer } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

const run = promisify(execFile);
const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';

/** The stored copy ends with exactly the bytes that were sent. */
async function assertStoredExactly(store: Parameters<typeof inbox>[0], to: string, sent: Buffer): Promise<Buffer> {
  const messages = await inbox(store, to);
  const found = messages.find((m) => m.bytes.subarray(m.bytes.length - sent.length).equals(sent));
  assert.ok(found, `no stored copy of ${to} ends with ${JSON.stringify(sent.toString())}: ${JSON.stringify(messages.map((m) => m.bytes.toString()))}`);
  return found.bytes;
}

test('Python smtplib: MX delivery, relay refusal, STARTTLS and implicit TLS submission', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { store, mx, submission, submissions } = await startSmtpServer(t, (c) => (c.auth.plaintext_on_loopback = false));
  await addAccount(store, ALICE);
  await addAccount(store, BOB);
  const dir = tempDir(t);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, await serverCa(store));
  const script = join(ROOT, 'test/fixtures/smtp_smtplib.py');
  const send = async (port: number, mode: string, user: string, from: string, rcpts: string, raw: Buffer) => {
    const file = join(dir, 'message.eml');
    writeFileSync(file, raw);
    const { stdout } = await run('python3', [script, String(port), mode, user, PASSWORD, ca, from, rcpts, file], { timeout: 60_000 });
    return stdout.trim();
  };
  const inbound = message('smtplib mx', 'Hello Alice.\r\n.dot line\r\n');
  assert.equal(await send(mx, 'mx', '-', 'sender@example.net', ALICE, inbound), 'ok');
  const stored = await assertStoredExactly(store, ALICE, inbound);
  assert.match(stored.toString(), /^Return-Path: <sender@example\.net>\r\nDelivered-To: alice@example\.org\r\nX-Spam-Flag: NO\r\nX-Spam-Score: \S+\r\nX-Spam-Status: [^\r]*\r\nAuthentication-Results: localhost;(?:\r\n [^\r]*)*\r\nReceived: from client\.example\.net /);

  assert.match(await send(mx, 'mx', '-', 'sender@example.net', 'victim@remote.example', inbound), /^refused 554 5\.7\.1 Relay access denied/);
  assert.match(await send(mx, 'mx', '-', 'sender@example.net', 'nobody@example.org', inbound), /^refused 550 5\.1\.1/);

  const submitted = messageFrom(ALICE, 'smtplib submission');
  assert.equal(await send(submission, 'starttls', ALICE, ALICE, BOB, submitted), 'ok');
  assert.match((await assertStoredExactly(store, BOB, submitted)).toString(), /with ESMTPSA id/);
  const fromBob = messageFrom('bob+lists@example.org', 'smtplib from bob');
  assert.equal(await send(submissions, 'ssl', BOB, `bob+lists@example.org`, ALICE, fromBob), 'ok');
  await assertStoredExactly(store, ALICE, fromBob);
  assert.match(await send(submissions, 'ssl', BOB, ALICE, ALICE, submitted), /^refused 553 5\.7\.1/);
});

test('nodemailer submits over STARTTLS and implicit TLS', async (t) => {
  // Remote mail stays in the queue: its first try waits on a DNS server that never answers.
  const dns = await deafDns(t);
  const { store, submission, submissions } = await startSmtpServer(t, (c) => (c.dns.servers = [dns]));
  await addAccount(store, ALICE);
  await addAccount(store, BOB);
  const ca = await serverCa(store);
  for (const [port, secure] of [[submission, false], [submissions, true]] as const) {
    const transport = createTransport({
      host: '127.0.0.1',
      port,
      secure,
      requireTLS: !secure,
      name: 'client.example.net',
      auth: { user: ALICE, pass: PASSWORD },
      tls: { ca, servername: 'localhost', minVersion: 'TLSv1.2' },
    });
    t.after(() => transport.close());
    const raw = messageFrom(ALICE, `nodemailer ${secure ? 'implicit' : 'starttls'}`, 'Grüße, 8bit.\r\n');
    const info = await transport.sendMail({ envelope: { from: ALICE, to: [BOB] }, raw });
    assert.deepEqual(info.accepted, [BOB]);
    assert.match(info.response, /^250 2\.6\.0/);
    await assertStoredExactly(store, BOB, raw);
    assert.deepEqual((await transport.sendMail({ envelope: { from: ALICE, to: ['friend@remote.example'] }, raw })).accepted, ['friend@remote.example']);
  }
});

test('swaks: inbound with pipelining, refusals, size, and STARTTLS with AUTH', async (t) => {
  if (!requireTool(t, 'swaks')) return;
  const { store, mx, submission } = await startSmtpServer(t, (c) => {
    c.limits.message_size = 2048;
    c.auth.plaintext_on_loopback = false;
  });
  await addAccount(store, ALICE);
  await addAccount(store, BOB);
  const dir = tempDir(t);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, await serverCa(store));
  const swaks = async (port: number, args: string[]) => {
    const base = ['--server', '127.0.0.1', '--port', String(port), '--helo', 'client.example.net', '--from', 'sender@example.net', '--to', ALICE];
    try {
      const { stdout } = await run('swaks', [...base, ...args], { timeout: 60_000 });
      return { code: 0, out: stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string };
      return { code: e.code, out: e.stdout };
    }
  };
  const raw = message('swaks', 'From swaks.\r\n');
  const file = join(dir, 'swaks.eml');
  writeFileSync(file, raw);

  const inbound = await swaks(mx, ['--data', file, '--pipeline']);
  assert.equal(inbound.code, 0, inbound.out);
  assert.match(inbound.out, /<- {2}250 2\.6\.0 Message delivered/);
  // swaks always puts a CRLF of its own before the final dot.
  const swaksSent = Buffer.concat([raw, Buffer.from('\r\n')]);
  await assertStoredExactly(store, ALICE, swaksSent);

  const relay = await swaks(mx, ['--data', file, '--to', 'victim@remote.example']);
  assert.notEqual(relay.code, 0);
  assert.match(relay.out, /554 5\.7\.1 Relay access denied/);
  const unknown = await swaks(mx, ['--data', file, '--to', 'nobody@example.org']);
  assert.match(unknown.out, /550 5\.1\.1/);
  const big = message('too big', `${'z'.repeat(70)}\r\n`.repeat(40));
  writeFileSync(file, big);
  const oversized = await swaks(mx, ['--data', file]);
  assert.match(oversized.out, /552 5\.3\.4/);

  const own = messageFrom(ALICE, 'swaks submission');
  writeFileSync(file, own);
  const noTls = await swaks(submission, ['--data', file, '--from', ALICE, '--to', BOB, '--auth', 'PLAIN', '--auth-user', ALICE, '--auth-password', PASSWORD]);
  assert.notEqual(noTls.code, 0, 'AUTH is not offered before TLS');
  const submitted = await swaks(submission, ['--data', file, '--from', ALICE, '--to', BOB, '--tls', '--tls-verify', '--tls-ca-path', ca, '--tls-sni', 'localhost',
    '--auth', 'PLAIN', '--auth-user', ALICE, '--auth-password', PASSWORD]);
  assert.equal(submitted.code, 0, submitted.out);
  await assertStoredExactly(store, BOB, Buffer.concat([own, Buffer.from('\r\n')]));
  const forged = await swaks(submission, ['--data', file, '--from', BOB, '--to', BOB, '--tls', '--tls-ca-path', ca, '--auth', 'LOGIN', '--auth-user', ALICE, '--auth-password', PASSWORD]);
  assert.match(forged.out, /553 5\.7\.1/);
});
