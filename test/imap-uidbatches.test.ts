import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './helpers/env.ts';
import { assertAllBad } from './helpers/imap-inbox.ts';
import { deliver, PASSWORD, RawImap } from './helpers/imap.ts';
import { seededInbox } from './helpers/imap-seed.ts';
import { requireTool } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

const run = promisify(execFile);

// RFC 10022 over an INBOX of 1200 messages whose UIDs 1..10 were expunged: 1190 messages, UIDs 11..1200.

test('UIDBATCHES: ranges newest first, the last ending at UID 1; batch ranges; empty answers', async (t) => {
  const { env, inbox, c } = await seededInbox(t, 1200);
  await env.store.expunge(inbox.id, Array.from({ length: 10 }, (_, i) => i + 1));
  await c.command('n', 'NOOP');
  assert.deepEqual(await c.command('a1', 'UIDBATCHES 500'), ['* UIDBATCHES (TAG "a1") 1200:701,700:201,200:1', 'a1 OK UIDBATCHES completed']);
  assert.deepEqual(await c.command('a2', 'uidbatches 500 2:3'), ['* UIDBATCHES (TAG "a2") 700:201,200:1', 'a2 OK UIDBATCHES completed']);
  assert.deepEqual(await c.command('a3', 'UIDBATCHES 500 3:200'), ['* UIDBATCHES (TAG "a3") 200:1', 'a3 OK UIDBATCHES completed']);
  // Batches past the mailbox's end: an empty answer (3.1.6).
  assert.deepEqual(await c.command('a4', 'UIDBATCHES 500 4:8'), ['* UIDBATCHES (TAG "a4")', 'a4 OK UIDBATCHES completed']);
  // A batch as large as the mailbox: one range over every message (3.1.3.3.1).
  assert.deepEqual(await c.command('a5', 'UIDBATCHES 1190'), ['* UIDBATCHES (TAG "a5") 1200:1', 'a5 OK UIDBATCHES completed']);
  assert.deepEqual(await c.command('a6', 'UIDBATCHES 4294967295 1:1'), ['a6 NO [TOOMANY] Too many messages']);
  // The ranges work as UID sets: the first batch is 500 messages.
  assert.deepEqual(await c.command('a7', 'UID SEARCH RETURN (COUNT) UID 1200:701'), ['* ESEARCH (TAG "a7") UID COUNT 500', 'a7 OK SEARCH completed']);
  // An empty mailbox answers an empty UIDBATCHES too.
  await c.command('e0', 'CREATE Empty');
  await c.command('e1', 'SELECT Empty');
  assert.deepEqual(await c.command('e2', 'UIDBATCHES 500'), ['* UIDBATCHES (TAG "e2")', 'e2 OK UIDBATCHES completed']);
});

test('UIDBATCHES: TOOFEW, TOOMANY, CLIENTBUG; malformed and hostile arguments are BAD; only in the selected state', async (t) => {
  const { env, c } = await seededInbox(t, 1200);
  assert.deepEqual(await c.command('b1', 'UIDBATCHES 499'), ['b1 NO [TOOFEW] Minimum batch size is 500']);
  assert.deepEqual(await c.command('b2', 'UIDBATCHES 1 1:1'), ['b2 NO [TOOFEW] Minimum batch size is 500']);
  assert.deepEqual(await c.command('b3', 'UIDBATCHES 500 3:1'), ['b3 BAD [CLIENTBUG] Invalid batch range']);
  // 201 batches of 500 span more than 100,000 messages (3.1.5).
  assert.deepEqual(await c.command('b4', 'UIDBATCHES 500 1:201'), ['b4 NO [TOOMANY] Too many messages']);
  assert.deepEqual(await c.command('b5', 'UIDBATCHES 500 1:200'), ['* UIDBATCHES (TAG "b5") 1200:701,700:201,200:1', 'b5 OK UIDBATCHES completed']);
  assert.deepEqual(await c.command('b6', 'UIDBATCHES 500 4294967295:4294967295'), ['* UIDBATCHES (TAG "b6")', 'b6 OK UIDBATCHES completed']);
  await assertAllBad(c, [
    'UIDBATCHES',
    'UIDBATCHES ',
    'UIDBATCHES 0',
    'UIDBATCHES -500',
    'UIDBATCHES 500.5',
    'UIDBATCHES abc',
    'UIDBATCHES 4294967296',
    'UIDBATCHES 99999999999999999999999',
    'UIDBATCHES 500 0:1',
    'UIDBATCHES 500 1:0',
    'UIDBATCHES 500 1',
    'UIDBATCHES 500 1:',
    'UIDBATCHES 500 :2',
    'UIDBATCHES 500 1:*',
    'UIDBATCHES 500 1:2 3:4',
    'UIDBATCHES 500 1:2,3:4',
    'UIDBATCHES 500  1:2',
    'UIDBATCHES (500)',
    'UIDBATCHES "500"',
    'UID BATCHES 500',
  ]);
  // Not selected, not logged in: BAD.
  await c.command('u', 'UNSELECT');
  assert.match((await c.command('b7', 'UIDBATCHES 500')).at(-1)!, /^b7 BAD /);
  const anon = await RawImap.connect(env.port);
  t.after(() => anon.close());
  assert.match((await anon.command('b8', 'UIDBATCHES 500')).at(-1)!, /^b8 BAD /);
});

test('UIDBATCHES: a repeat is refused NO [LIMIT] until half a batch came or went, or the mailbox is selected again; $ is left alone; UIDONLY', async (t) => {
  const { env, inbox, c } = await seededInbox(t, 1200);
  assert.deepEqual(await c.command('r0', 'UID SEARCH RETURN (SAVE) UID 1000:1002'), ['r0 OK SEARCH completed']);
  assert.equal((await c.command('r1', 'UIDBATCHES 500')).at(-1), 'r1 OK UIDBATCHES completed');
  assert.deepEqual(await c.command('r2', 'UIDBATCHES 500'), ['r2 NO [LIMIT] These batches were just given: ask again once half a batch of messages came or went']);
  // Another request is its own.
  assert.equal((await c.command('r3', 'UIDBATCHES 600')).at(-1), 'r3 OK UIDBATCHES completed');
  // 250 expunged is not more than half of 500; 251 is.
  await env.store.expunge(inbox.id, Array.from({ length: 250 }, (_, i) => i + 1));
  await c.command('n1', 'NOOP');
  assert.match((await c.command('r4', 'UIDBATCHES 500')).at(-1)!, /^r4 NO \[LIMIT\] /);
  await env.store.expunge(inbox.id, [251]);
  await c.command('n2', 'NOOP');
  assert.deepEqual(await c.command('r5', 'UIDBATCHES 500'), ['* UIDBATCHES (TAG "r5") 1200:701,700:1', 'r5 OK UIDBATCHES completed']);
  // New mail: more than 250 messages.
  for (let i = 0; i < 251; i++) await deliver(env.store, 'alice@example.org', message(`new${i}`));
  await c.command('n3', 'NOOP');
  assert.deepEqual(await c.command('r6', 'UIDBATCHES 500'), ['* UIDBATCHES (TAG "r6") 1451:952,951:452,451:1', 'r6 OK UIDBATCHES completed']);
  assert.match((await c.command('r7', 'UIDBATCHES 500')).at(-1)!, /^r7 NO \[LIMIT\] /);
  // UIDBATCHES saved nothing in `$` (3.4). Selecting again starts afresh.
  assert.deepEqual(await c.command('r8', 'UID SEARCH $'), ['* SEARCH 1000 1001 1002', 'r8 OK SEARCH completed']);
  await c.command('s', 'SELECT INBOX');
  assert.deepEqual(await c.command('u0', 'ENABLE UIDONLY'), ['* ENABLED UIDONLY', 'u0 OK ENABLE completed']);
  assert.deepEqual(await c.command('u1', 'UIDBATCHES 500'), ['* UIDBATCHES (TAG "u1") 1451:952,951:452,451:1', 'u1 OK UIDBATCHES completed']);
});

test('UIDBATCHES and MESSAGELIMIT from Python imaplib', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { env } = await seededInbox(t, 1200);
  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/imap_uidbatches.py'), String(env.port), 'alice@example.org', PASSWORD], { timeout: 60_000 });
  const seen = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(seen.capabilities, ['MESSAGELIMIT=1000', 'UIDBATCHES']);
  const [typ, lines] = seen.uidbatches as [string, string[]];
  assert.equal(typ, 'OK');
  assert.deepEqual(lines.map((l) => l.replace(/^\(TAG "[^"]+"\)/, '(TAG)')), ['(TAG) 1200:701,700:201,200:1']);
  assert.deepEqual(seen.toofew, ['NO', ['[TOOFEW] Minimum batch size is 500']]);
  assert.deepEqual(seen.fetch, ['OK', 1000]);
  assert.equal(seen.logout, 'BYE');
});
