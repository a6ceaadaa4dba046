import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueueEntry } from '../src/store/types.ts';
import { fails, ok, workspace } from './helpers/cli.ts';
import { exited, runCli, tempDir } from './helpers/env.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { outputMatching, serveOnFreePorts, type Served } from './helpers/serve.ts';

const MESSAGE = (subject: string) => `From: alice@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@example.org>\r\n\r\nHello\r\n`;

/** A gate the peer's RCPT for `hold...@` waits at: `reached` once it is there, `open()` to let it answer. */
function gate() {
  let arrived!: () => void;
  let open!: () => void;
  const reached = new Promise<void>((resolve) => (arrived = resolve));
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { reached, open, wait: () => (arrived(), opened) };
}

test('a held message is not tried, through a restart, until it is released; then it is delivered', async (t) => {
  const dir = tempDir(t);
  const port = await sharedPort(['127.0.0.1']);
  const rcpt = gate();
  const peer = await startPeer(t, '127.0.0.1', port, { hold: rcpt.wait });
  // One transaction at a time to the relay, in the order the runner takes entries.
  const extra = `[smtp.smarthost]\nhost = "localhost"\nport = ${port}\ntls = "none"\n[queue]\nretry_first = "1h"\nconcurrency_per_domain = 1\n`;
  let served: Served = await serveOnFreePorts(t, dir, { extra });
  const cli = (args: string[], input?: string) => runCli(['--config', served.config, ...args], { cwd: dir, input });

  // `holdlater@` makes the peer wait at RCPT (the attempt is under way), then answer 451 once.
  let mark = served.output().length;
  const queued = (await ok(cli(['deliver', '--from', 'alice@example.org', '--to', 'holdlater@b.test'], MESSAGE('held')))).stdout;
  const id = /queue id ([0-9a-z]{17})/.exec(queued)?.[1];
  assert.ok(id, queued);
  await rcpt.reached;
  // Asked for during the attempt: a retry, then the hold. The attempt ends due now, but held.
  await ok(cli(['queue', 'retry', id]));
  assert.equal((await ok(cli(['queue', 'hold', id]))).stdout, `held ${id}\n`);
  rcpt.open();
  await outputMatching(served, new RegExp(`"queue":"${id}".*"outcome":"temporary".*delivery attempt`), mark);
  // Stopping waits for the attempt to be written back; then the CLI reads the store itself.
  served.child.kill('SIGTERM');
  await exited(served.child);
  const held = JSON.parse((await ok(cli(['--json', 'queue', 'show', id]))).stdout) as QueueEntry;
  assert.equal(typeof held.heldAt, 'number');
  assert.ok(held.recipients[0]!.nextAttempt <= Date.now(), 'due, but held');
  assert.equal(held.recipients[0]!.attempts, 1);
  assert.equal((await ok(cli(['queue', 'hold', id]))).stdout, `${id} was held already\n`);
  await fails(cli(['queue', 'retry', id]), /is held: release it/);
  assert.match((await ok(cli(['queue', 'list']))).stdout, new RegExp(`^${id}\\s.*\\sheld\\s`, 'm'));
  assert.match((await ok(cli(['queue', 'show', id]))).stdout, /^next try:  held\nheld:      since \S+Z/m);

  served = await serveOnFreePorts(t, dir, { extra });
  mark = served.output().length;
  // Another message to the same relay: once it arrived, the runner has passed the held one by.
  await ok(cli(['deliver', '--from', 'alice@example.org', '--to', 'other@b.test'], MESSAGE('other')));
  await outputMatching(served, /"rcpt":"other@b\.test","outcome":"sent"/, mark);
  assert.deepEqual(peer.map((m) => m.to), [['other@b.test']]);
  const still = JSON.parse((await ok(cli(['--json', 'queue', 'show', id]))).stdout) as QueueEntry;
  assert.equal(still.recipients[0]!.attempts, 1, 'never tried while held');
  assert.equal(typeof still.heldAt, 'number');
  assert.equal((await ok(cli(['queue', 'flush']))).stdout, '0 queued message(s) due now\n', 'flush leaves held messages alone');

  mark = served.output().length;
  assert.equal((await ok(cli(['queue', 'release', id]))).stdout, `released ${id}\n`);
  await outputMatching(served, new RegExp(`"queue":"${id}".*"outcome":"sent"`), mark);
  assert.deepEqual(peer.map((m) => m.to), [['other@b.test'], ['holdlater@b.test']]);
  assert.match(peer[1]!.raw, /Subject: held/);
  served.child.kill('SIGTERM');
  await exited(served.child);
  assert.equal((await ok(cli(['queue', 'list']))).stdout, 'the queue is empty\n');
});

test('queue hold|release: --all, and refusals of what names no message or two', async (t) => {
  // No server: the CLI works on the store, and nothing is tried.
  const { cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  const ids: string[] = [];
  for (const to of ['a@remote.example', 'b@remote.example']) {
    const out = (await ok(cli(['deliver', '--from', 'alice@example.org', '--to', to], MESSAGE(to.slice(0, 1))))).stdout;
    ids.push(/queue id ([0-9a-z]{17})/.exec(out)![1]!);
  }
  const [first, second] = ids as [string, string];
  await ok(cli(['queue', 'hold', first]));
  assert.equal((await ok(cli(['queue', 'hold', '--all']))).stdout, `held ${second}\n`);
  assert.equal((await ok(cli(['queue', 'hold', '--all']))).stdout, 'no message to hold\n');
  const listed = JSON.parse((await ok(cli(['--json', 'queue', 'list']))).stdout) as QueueEntry[];
  assert.deepEqual(listed.map((e) => typeof e.heldAt), ['number', 'number']);

  assert.equal((await ok(cli(['queue', 'release', second]))).stdout, `released ${second}\n`);
  assert.equal((await ok(cli(['queue', 'release', second]))).stdout, `${second} was released already\n`);
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'queue', 'release', '--all']))).stdout), { released: [first] });
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'queue', 'list']))).stdout).map((e: QueueEntry) => e.heldAt), [undefined, undefined]);

  await fails(cli(['queue', 'hold']), /^mailfold: name one queued message, or --all$/);
  await fails(cli(['queue', 'release', first, '--all']), /^mailfold: name one queued message, or --all$/);
  await fails(cli(['queue', 'hold', '../x']), /^mailfold: not a queue id: /);
  await fails(cli(['queue', 'hold', `${first}\n`]), /^mailfold: not a queue id: /);
  await fails(cli(['queue', 'release', 'x'.repeat(5000)]), /^mailfold: not a queue id: /);
  await fails(cli(['queue', 'hold', `${first.slice(0, 9)}00000000`]), /^mailfold: no queued message /);
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'store', 'check']))).stdout), { clean: true, problems: [] });
});
