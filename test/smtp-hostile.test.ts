import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { addAccount, inbox, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

/** A well-behaved client delivers while the hostile one is busy. */
async function deliversMeanwhile(port: number, store: Parameters<typeof inbox>[0], subject: string): Promise<void> {
  const client = await SmtpClient.connect(port);
  try {
    await client.hello();
    assert.match(await client.cmd('MAIL FROM:<bob@example.net>'), /^250/);
    assert.match(await client.cmd('RCPT TO:<alice@example.org>'), /^250/);
    assert.match(await client.data(message(subject)), /^250/);
    assert.match(await client.cmd('QUIT'), /^221/);
  } finally {
    client.close();
  }
  assert.ok((await inbox(store, 'alice@example.org')).some((m) => m.bytes.includes(`Subject: ${subject}`)));
}

test('10,000 pipelined RCPTs get 452 4.5.3 past the limit while another client is served', async (t) => {
  const { mx, store } = await startSmtpServer(t, (c) => (c.limits.recipients = 100));
  await addAccount(store, 'alice@example.org');
  const hostile = await SmtpClient.connect(mx);
  t.after(() => hostile.close());
  await hostile.hello();
  await hostile.cmd('MAIL FROM:<bob@example.net>');
  hostile.send(Array.from({ length: 10_000 }, (_, i) => `RCPT TO:<alice+${i}@example.org>\r\n`).join(''));
  await deliversMeanwhile(mx, store, 'meanwhile');
  const counts = new Map<string, number>();
  for (let i = 0; i < 10_000; i++) {
    const line = (await hostile.reply()).at(-1)!;
    const key = line.slice(0, 9);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(counts), { '250 2.1.5': 100, '452 4.5.3': 9900 });
  assert.match(await hostile.data(message('hundred')), /^250/);
  // Each account gets one copy however many of its addresses were named.
  assert.equal((await inbox(store, 'alice@example.org')).length, 2);
});

test('a huge line and binary garbage get protocol errors, never a crash', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  const huge = await SmtpClient.connect(mx);
  t.after(() => huge.close());
  await huge.hello();
  huge.send(`MAIL FROM:<${'a'.repeat(1024 * 1024)}@example.net>\r\n`);
  const answer = await huge.line();
  assert.ok(answer === null || /^[45]\d\d /.test(answer), String(answer));

  const garbage = await SmtpClient.connect(mx);
  t.after(() => garbage.close());
  await garbage.reply();
  for (let i = 0; i < 20 && !garbage.closed; i++) garbage.send(Buffer.concat([randomBytes(200).map((b) => (b === 10 ? 0 : b)), Buffer.from('\r\n')]));
  const lines: string[] = [];
  for (let line = await garbage.line(); line !== null; line = await garbage.line()) lines.push(line);
  assert.ok(lines.length > 0 && lines.every((l) => /^[45]\d\d /.test(l)), JSON.stringify(lines));
  assert.match(lines.at(-1)!, /^421 /);

  await deliversMeanwhile(mx, store, 'after garbage');
});

test('connections per IP are limited with 421', async (t) => {
  const { mx } = await startSmtpServer(t, (c) => (c.limits.connections_per_ip = 2));
  const first = await SmtpClient.connect(mx);
  const second = await SmtpClient.connect(mx);
  t.after(() => [first, second].forEach((c) => c.close()));
  assert.match((await first.reply())[0]!, /^220/);
  assert.match((await second.reply())[0]!, /^220/);
  const third = await SmtpClient.connect(mx);
  t.after(() => third.close());
  assert.match((await third.reply())[0]!, /^421 4\.7\.0 Too many connections/);
  first.close();
  await first.closedByServer();
  // The slot is free again once the first one is gone.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const fourth = await SmtpClient.connect(mx);
  t.after(() => fourth.close());
  assert.match((await fourth.reply())[0]!, /^220/);
});

test('shutdown answers idle sessions with 421 and lets a message in flight finish', async (t) => {
  const { mx, store, server } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  const idle = await SmtpClient.connect(mx);
  const busy = await SmtpClient.connect(mx);
  t.after(() => [idle, busy].forEach((c) => c.close()));
  await idle.hello();
  await busy.hello();
  await busy.cmd('MAIL FROM:<bob@example.net>');
  await busy.cmd('RCPT TO:<alice@example.org>');
  assert.match(await busy.cmd('DATA'), /^354/);
  busy.send(message('in flight').subarray(0, 40));
  const closing = server.close();
  assert.match((await idle.reply())[0]!, /^421 4\.3\.2 /);
  busy.send(Buffer.concat([message('in flight').subarray(40), Buffer.from('.\r\n')]));
  assert.match((await busy.reply())[0]!, /^250 /);
  assert.match(await busy.cmd('NOOP'), /^421 /);
  await closing;
});
