import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTransport } from 'nodemailer';
import { mxZone, startDns } from './helpers/dns.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { untilEmpty, untilQueue } from './helpers/queue.ts';
import { addAccount, PASSWORD, startSmtpServer } from './helpers/smtp.ts';

const SLOW = '127.0.0.10';
const OTHER = '127.0.0.11';
const MESSAGES = 5;

test('queue.concurrency_per_domain: at most that many transactions at once to one domain, and other domains do not wait', async (t) => {
  const dns = await startDns(t, mxZone({ 'c.test': SLOW, 'd.test': OTHER }));
  const port = await sharedPort([SLOW, OTHER]);
  // Each transaction to c.test stops at its RCPT until the test lets it go.
  const held: (() => void)[] = [];
  let waiting: { count: number; resolve: () => void } | null = null;
  let most = 0;
  const untilHeld = (count: number) =>
    new Promise<void>((resolve) => {
      if (held.length >= count) resolve();
      else waiting = { count, resolve };
    });
  const slow = await startPeer(t, SLOW, port, {
    hold: () => {
      const gate = Promise.withResolvers<void>();
      held.push(gate.resolve);
      most = Math.max(most, held.length);
      if (waiting && held.length >= waiting.count) waiting.resolve();
      return gate.promise;
    },
  });
  const other = await startPeer(t, OTHER, port);
  const a = await startSmtpServer(t, (c) => {
    c.queue.mx_port = port;
    c.queue.concurrency_per_domain = 2;
    c.dns.servers = [dns.server];
  });
  await addAccount(a.store, 'alice@a.test');
  const submit = createTransport({ host: '127.0.0.1', port: a.submission, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  for (let i = 0; i < MESSAGES; i++) await submit.sendMail({ from: 'alice@a.test', to: `hold${i}@c.test`, subject: `Slow ${i}`, text: '.' });
  const queue = a.server.queue;

  // Every entry is taken by the runner (queue.concurrency is 10), and two of them reached the server.
  await untilHeld(2);
  await untilQueue(queue, async () => {
    const entries = await queue.list();
    return entries.length === MESSAGES && entries.every((e) => queue.isBusy(e.id));
  });
  // Meanwhile another domain gets its mail at once.
  await submit.sendMail({ from: 'alice@a.test', to: 'quick@d.test', subject: 'Quick', text: '.' });
  await untilQueue(queue, async () => other.length === 1);
  assert.deepEqual(other[0]!.to, ['quick@d.test']);

  // Letting one go lets the next one in; never more than two at a time.
  for (let released = 0; released < MESSAGES; released++) {
    held.shift()!();
    if (released + 2 < MESSAGES) await untilHeld(2);
  }
  await untilEmpty(queue);
  assert.equal(most, 2);
  assert.deepEqual(slow.map((m) => m.to[0]).sort(), Array.from({ length: MESSAGES }, (_, i) => `hold${i}@c.test`));
});
