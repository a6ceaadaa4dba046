import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessages } from '../src/delivery/deliver.ts';
import { keys } from '../src/store/level/keys.ts';
import { RawImap } from './helpers/imap.ts';
import { ALICE, aliceSession } from './helpers/imap-inbox.ts';
import { message } from './helpers/store.ts';

// SELECT, QRESYNC, STATUS and STORE over a mailbox whose index spans several segments
// (1,024 UIDs each, src/store/level/index-segment.ts), and over a damaged one.

const untagged = (lines: string[]) => lines.filter((l) => l.startsWith('* '));

/** Alice's INBOX with `count` more messages, UIDs from 1 on, written in one batch. */
async function fill(env: Awaited<ReturnType<typeof aliceSession>>, count: number): Promise<void> {
  const items = Array.from({ length: count }, (_, i) => ({ raw: message(`bulk${i}`), targets: [{ accountId: env.inbox.accountId, mailboxId: env.inbox.id, prefix: '', flags: i % 2 ? ['\\Seen'] : [] }] }));
  await writeMessages(env.store, items, { enforceQuota: false, atomic: false });
}

test('a mailbox across three index segments: SELECT, STATUS, STORE 1:* and QRESYNC answer for every message', async (t) => {
  const env = await aliceSession(t);
  await fill(env, 2100);
  const { c } = env;
  await c.command('e', 'ENABLE QRESYNC');
  assert.deepEqual(untagged(await c.command('s', 'STATUS INBOX (MESSAGES UNSEEN DELETED)')), ['* STATUS "INBOX" (MESSAGES 2100 UNSEEN 1050 DELETED 0)']);
  const select = await c.command('s', 'SELECT INBOX');
  assert.ok(select.includes('* 2100 EXISTS') && select.includes('* OK [UNSEEN 1] First unseen message'), select.join('\n'));
  const modSeq = Number(/HIGHESTMODSEQ (\d+)/.exec(select.join('\n'))![1]);

  // One change in each segment, then the last messages expunged.
  const store = await c.command('st', 'UID STORE 5,1500,2100 +FLAGS ($Done \\Deleted)');
  assert.deepEqual(untagged(store).filter((l) => l.includes('FETCH')).map((l) => l.replace(/MODSEQ \(\d+\)/, 'MODSEQ')), [
    '* 5 FETCH (UID 5 FLAGS (\\Recent $Done \\Deleted) MODSEQ)',
    '* 1500 FETCH (UID 1500 FLAGS (\\Recent \\Seen $Done \\Deleted) MODSEQ)',
    '* 2100 FETCH (UID 2100 FLAGS (\\Recent \\Seen $Done \\Deleted) MODSEQ)',
  ]);
  assert.deepEqual(untagged(await c.command('x', 'EXPUNGE')), ['* VANISHED 5,1500,2100', '* 2097 RECENT']);
  await c.command('u', 'UNSELECT');
  const resync = untagged(await c.command('q', `SELECT INBOX (QRESYNC (${env.inbox.uidValidity} ${modSeq}))`));
  assert.ok(resync.includes('* VANISHED (EARLIER) 5,1500,2100'), resync.join('\n'));
  assert.deepEqual(resync.filter((l) => l.includes('FETCH')), [], 'the changed messages are gone, no other changed');

  const all = await c.command('a', 'UID STORE 1:* +FLAGS.SILENT (\\Seen)');
  assert.deepEqual(untagged(all), []);
  assert.deepEqual(untagged(await c.command('s2', 'STATUS INBOX (MESSAGES UNSEEN)')), ['* STATUS "INBOX" (MESSAGES 2097 UNSEEN 0)']);
  assert.deepEqual(untagged(await c.command('f', 'UID FETCH 1024:1026 (FLAGS)')), ['* 1023 FETCH (UID 1024 FLAGS (\\Seen))', '* 1024 FETCH (UID 1025 FLAGS (\\Seen))', '* 1025 FETCH (UID 1026 FLAGS (\\Seen))']);
  assert.deepEqual(await env.store.check({ repair: false }), []);
});

test('a damaged mailbox index: SELECT and STATUS of it are answered NO, the rest is served, and store check --repair restores it', async (t) => {
  const env = await aliceSession(t);
  await fill(env, 30);
  const key = keys.indexSegment(env.inbox.id, 0);
  const bad = Buffer.from((await env.store.core.db.get(key))!);
  bad[bad.length - 1]! ^= 0xff;
  await env.store.core.db.put(key, bad);

  const { c } = env;
  assert.match((await c.command('s', 'SELECT INBOX')).at(-1)!, /^s NO /);
  assert.match((await c.command('st', 'STATUS INBOX (DELETED)')).at(-1)!, /^st NO /);
  assert.deepEqual(untagged(await c.command('m', 'STATUS INBOX (MESSAGES)')), ['* STATUS "INBOX" (MESSAGES 30)'], 'what the mailbox record holds is still answered');
  assert.ok((await c.command('a', 'SELECT Archive')).at(-1)!.startsWith('a OK'), 'another mailbox opens');
  const other = await RawImap.connect(env.port);
  t.after(() => other.close());
  await other.login(ALICE);
  assert.equal((await other.command('n', 'NOOP')).at(-1), 'n OK NOOP completed');

  const problems = await env.store.check({ repair: true });
  assert.ok(problems.some((p) => /index: segment 0: checksum mismatch/.test(p.what) && p.repaired), JSON.stringify(problems));
  const select = await c.command('s2', 'SELECT INBOX');
  assert.ok(select.includes('* 30 EXISTS') && select.at(-1)!.startsWith('s2 OK'), select.join('\n'));
  assert.deepEqual(untagged(await c.command('f', 'FETCH 1:2 (FLAGS)')), ['* 1 FETCH (FLAGS (\\Recent))', '* 2 FETCH (FLAGS (\\Recent \\Seen))'], 'the flags the messages were added with');
});
