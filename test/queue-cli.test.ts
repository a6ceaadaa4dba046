import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QueueEntry } from '../src/store/types.ts';
import { fails, ok, workspace } from './helpers/cli.ts';

const PASSWORD = 'correct horse battery\n';
const MESSAGE = 'From: alice@example.org\nSubject: out\n\nHello out there\n';

test('queue list|show|retry|delete|flush work on the store when no server runs, with --json and bad ids', async (t) => {
  const { cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', 'alice@example.org', '--password-stdin'], PASSWORD));
  await ok(cli(['alias', 'add', 'friends@example.org', 'alice@example.org', 'pal@remote.example', 'buddy@other.example']));
  assert.equal((await ok(cli(['queue', 'list']))).stdout, 'the queue is empty\n');

  // An alias that forwards outside queues its remote targets, with the address the sender used.
  const delivered = await ok(cli(['deliver', '--from', 'alice@example.org', '--to', 'friends@example.org'], MESSAGE));
  assert.match(delivered.stdout, /^friends@example\.org: queued for pal@remote\.example \(queue id ([0-9a-z]{17})\)$/m);
  const [entry] = JSON.parse((await ok(cli(['--json', 'queue', 'list']))).stdout) as QueueEntry[];
  assert.ok(entry);
  assert.equal(entry.from, 'alice@example.org');
  assert.deepEqual(entry.recipients.map((r) => [r.address, r.state, r.orcpt]), [
    ['pal@remote.example', 'pending', 'rfc822;friends@example.org'],
    ['buddy@other.example', 'pending', 'rfc822;friends@example.org'],
  ]);
  assert.match((await ok(cli(['queue', 'list']))).stdout, new RegExp(`^ID\\s+FROM\\s+SIZE\\s+PENDING\\s+NEXT TRY\\s+LAST RESULT\\n${entry.id}\\s+alice@example\\.org\\s+\\d+ B\\s+2/2\\s`));
  const shown = (await ok(cli(['queue', 'show', entry.id]))).stdout;
  assert.match(shown, new RegExp(`^id:        ${entry.id}\\nfrom:      alice@example\\.org\\n`));
  assert.match(shown, /\nrecipient: buddy@other\.example\n  state:   pending\n  tries:   0\n/);
  assert.equal(JSON.parse((await ok(cli(['--json', 'queue', 'show', entry.id]))).stdout).id, entry.id);
  assert.equal((await ok(cli(['queue', 'retry', entry.id]))).stdout, `${entry.id}: 2 recipient(s) due now\n`);
  assert.equal((await ok(cli(['queue', 'flush']))).stdout, '1 queued message(s) due now\n');
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'queue', 'flush']))).stdout), { entries: 1 });

  for (const bad of ['../acc/alice@example.org', 'x', `${entry.id}/00000000`, '']) {
    await fails(cli(['queue', 'show', bad]), /^mailfold: not a queue id: /);
    await fails(cli(['queue', 'delete', bad]), /^mailfold: not a queue id: /);
  }
  const missing = `${entry.id.slice(0, 9)}00000000`;
  await fails(cli(['queue', 'retry', missing]), new RegExp(`^mailfold: no queued message ${missing}$`));
  await fails(cli(['queue', 'show']), /./);

  assert.equal((await ok(cli(['queue', 'delete', entry.id]))).stdout, `deleted ${entry.id}\n`);
  await fails(cli(['queue', 'delete', entry.id]), /no queued message/);
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'queue', 'list']))).stdout), []);
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'store', 'check']))).stdout), { clean: true, problems: [] });
});
