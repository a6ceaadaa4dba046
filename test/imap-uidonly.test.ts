import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAllBad, selectedWithGaps } from './helpers/imap-inbox.ts';

test('UIDONLY: numbered commands and number search keys are BAD [UIDREQUIRED]; answers are UIDFETCH and VANISHED', async (t) => {
  const { env, c } = await selectedWithGaps(t);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, /^\* CAPABILITY .* UIDONLY/);
  // Before ENABLE, numbers work as always.
  assert.deepEqual(await c.command('a', 'FETCH 1 (UID)'), ['* 1 FETCH (UID 2)', 'a OK FETCH completed']);
  assert.deepEqual(await c.command('e', 'ENABLE UIDONLY'), ['* ENABLED UIDONLY', 'e OK ENABLE completed']);
  for (const [n, cmd] of ['FETCH 1 (FLAGS)', 'STORE 1 +FLAGS (\\Seen)', 'COPY 1 INBOX', 'MOVE 1 INBOX', 'SEARCH ALL', 'SORT (DATE) UTF-8 ALL', 'THREAD REFERENCES UTF-8 ALL', 'UID SEARCH 1:2', 'UID SEARCH NOT 1', 'UID SEARCH OR UID 2 (3)', 'UID SORT (DATE) UTF-8 1', 'UID THREAD REFERENCES UTF-8 OR 1 ALL', 'UID SEARCH RETURN (SAVE) 1'].entries())
    assert.match((await c.command(`r${n}`, cmd)).at(-1)!, new RegExp(`^r${n} BAD \\[UIDREQUIRED\\] `), cmd);
  // Nothing was done: message 1 is still unseen (\Recent only: SELECT claimed every message), `$` was emptied by the failed SAVE.
  assert.deepEqual(await c.command('f1', 'UID FETCH 2 (FLAGS)'), ['* UIDFETCH 2 (FLAGS (\\Recent))', 'f1 OK FETCH completed']);
  assert.deepEqual(await c.command('f2', 'UID FETCH 4:5 (UID RFC822.SIZE)').then((l) => l.map((x) => x.replace(/SIZE \d+/, 'SIZE n'))), ['* UIDFETCH 4 (UID 4 RFC822.SIZE n)', '* UIDFETCH 5 (UID 5 RFC822.SIZE n)', 'f2 OK FETCH completed']);
  assert.deepEqual(await c.command('s1', 'UID STORE 4 +FLAGS (\\Flagged)'), ['* UIDFETCH 4 (FLAGS (\\Recent \\Flagged))', 's1 OK STORE completed']);
  assert.deepEqual(await c.command('q1', 'UID SEARCH RETURN (SAVE) FLAGGED'), ['q1 OK SEARCH completed']);
  assert.deepEqual(await c.command('q2', 'UID SEARCH $'), ['* SEARCH 4', 'q2 OK SEARCH completed']);
  assert.deepEqual(await c.command('q3', 'UID SEARCH RETURN (ALL) UID 1:5'), ['* ESEARCH (TAG "q3") UID ALL 2,4:5', 'q3 OK SEARCH completed']);
  // Another session's changes: flags by UIDFETCH, expunges by VANISHED.
  await env.store.storeFlags(env.inbox.id, [5], 'add', ['\\Seen']);
  await env.store.expunge(env.inbox.id, [2]);
  assert.deepEqual(await c.command('n', 'NOOP'), ['* VANISHED 2', '* 3 RECENT', '* UIDFETCH 5 (FLAGS (\\Recent \\Seen))', 'n OK NOOP completed']);
  await c.command('d', 'UID STORE 6 +FLAGS (\\Deleted)');
  assert.match((await c.command('x', 'UID EXPUNGE 6')).join('\n'), /^\* VANISHED 6\n\* 2 RECENT\nx OK /);
  assert.match((await c.command('m', 'UID MOVE 4 INBOX')).join('\n'), /\* VANISHED 4\n/);
  await assertAllBad(c, ['FETCH 1:* FLAGS', 'UID FETCH 1 (FLAGS) (PARTIAL 0:1)']);
});
