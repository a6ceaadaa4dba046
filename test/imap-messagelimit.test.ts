import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertAllBad } from './helpers/imap-inbox.ts';
import { imapflow } from './helpers/imap.ts';
import { seededInbox } from './helpers/imap-seed.ts';

// RFC 9738 with MESSAGELIMIT=1000 over an INBOX of 1200 messages (UIDs 1..1200):
// past the limit the highest 1000 UIDs (201..1200) are processed, highest first.

const fetchUids = (lines: string[]) => lines.flatMap((l) => /^\* \d+ FETCH \(UID (\d+)/.exec(l)?.[1] ?? []).map(Number);
const searchUids = (lines: string[]) => (lines.find((l) => l.startsWith('* SEARCH')) ?? '').split(' ').slice(2).map(Number);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

test('MESSAGELIMIT: advertised; FETCH and UID FETCH process the highest 1000 UIDs, highest first, and say where to go on', async (t) => {
  const { env, c } = await seededInbox(t, 1200);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, /^\* CAPABILITY .* MESSAGELIMIT=1000 .*UIDBATCHES/);
  const all = await c.command('f1', 'UID FETCH 1:* (FLAGS)');
  assert.equal(all.at(-1), 'f1 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed');
  assert.deepEqual(fetchUids(all), range(201, 1200).reverse());
  // The client goes on below the UID it was given, and the rest fits.
  const rest = await c.command('f2', 'UID FETCH 1:200 (FLAGS)');
  assert.equal(rest.at(-1), 'f2 OK FETCH completed');
  assert.deepEqual(fetchUids(rest), range(1, 200));
  const numbered = await c.command('f3', 'FETCH 1:* (UID)');
  assert.equal(numbered.at(-1), 'f3 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed');
  assert.equal(numbered[0], '* 1200 FETCH (UID 1200)');
  // Exactly the limit is no cut; CHANGEDSINCE filters after counting (every message is looked at).
  assert.equal((await c.command('f4', 'FETCH 1:1000 (UID)')).at(-1), 'f4 OK FETCH completed');
  assert.deepEqual(await c.command('f5', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 999999)'), ['* OK [HIGHESTMODSEQ 1201] Highest', 'f5 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed']);
  // PARTIAL past the limit is refused whole (section 3.1), within it answered.
  assert.deepEqual(await c.command('p1', 'UID FETCH 1:* (FLAGS) (PARTIAL -1:-1500)'), ['p1 NO [MESSAGELIMIT 1000] At most 1000 messages in one command, try a smaller set']);
  const partial = await c.command('p2', 'UID FETCH 1:* (UID) (PARTIAL -1:-1000)');
  assert.equal(partial.at(-1), 'p2 OK FETCH completed');
  assert.equal(fetchUids(partial).length, 1000);
  // A real client reads the answer (and is not confused by the code).
  const flow = await imapflow(t, env.port, 'alice@example.org');
  await flow.mailboxOpen('INBOX');
  const fetched = await flow.fetchAll('1:*', { flags: true }, { uid: true });
  assert.equal(fetched.length, 1000);
  assert.equal(Math.min(...fetched.map((m) => m.uid)), 201);
});

test('MESSAGELIMIT: SEARCH counts the messages searched, not the matches; UIDAFTER and UIDBEFORE; $ keeps what was searched', async (t) => {
  const { c } = await seededInbox(t, 1200);
  const all = await c.command('s1', 'UID SEARCH ALL');
  assert.equal(all.at(-1), 's1 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed');
  assert.deepEqual(searchUids(all), range(201, 1200));
  // No match at all among the searched still reports the cut.
  assert.deepEqual(await c.command('s2', 'UID SEARCH DELETED'), ['* SEARCH', 's2 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed']);
  // A UID range within the limit is searched whole.
  assert.deepEqual(await c.command('s3', 'UID SEARCH RETURN (COUNT) UID 1:1000 UNDELETED'), ['* ESEARCH (TAG "s3") UID COUNT 1000', 's3 OK SEARCH completed']);
  assert.deepEqual(await c.command('s4', 'UID SEARCH RETURN (MIN MAX COUNT) UIDAFTER 1100'), ['* ESEARCH (TAG "s4") UID MIN 1101 MAX 1200 COUNT 100', 's4 OK SEARCH completed']);
  assert.deepEqual(await c.command('s5', 'UID SEARCH UIDBEFORE 3'), ['* SEARCH 1 2', 's5 OK SEARCH completed']);
  assert.deepEqual(await c.command('s6', 'UID SEARCH UIDBEFORE 1'), ['* SEARCH', 's6 OK SEARCH completed']);
  assert.deepEqual(await c.command('s7', 'UID SEARCH UIDAFTER 1200'), ['* SEARCH', 's7 OK SEARCH completed']);
  assert.deepEqual(await c.command('s8', 'SEARCH RETURN (COUNT) UIDAFTER 200 UIDBEFORE 301'), ['* ESEARCH (TAG "s8") COUNT 100', 's8 OK SEARCH completed']);
  // SAVE keeps the matches of the searched messages only (section 3.4).
  assert.deepEqual(await c.command('v1', 'UID SEARCH RETURN (SAVE) ALL'), ['v1 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed']);
  assert.deepEqual(await c.command('v2', 'UID SEARCH RETURN (MIN COUNT) $'), ['* ESEARCH (TAG "v2") UID MIN 201 COUNT 1000', 'v2 OK SEARCH completed']);
  // A cut result is not kept up to date (CONTEXT=SEARCH): its updates would search every message.
  assert.deepEqual(await c.command('u1', 'UID SEARCH RETURN (UPDATE COUNT) ALL'), [
    '* NO [NOUPDATE "u1"] A search cut at MESSAGELIMIT is not kept up to date',
    '* ESEARCH (TAG "u1") UID COUNT 1000',
    'u1 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed',
  ]);
  // Hostile and malformed keys: BAD, and the session goes on.
  await assertAllBad(c, ['UID SEARCH UIDAFTER', 'UID SEARCH UIDAFTER 0', 'UID SEARCH UIDBEFORE -1', 'UID SEARCH UIDAFTER 4294967296', 'UID SEARCH UIDAFTER 99999999999999999999', 'UID SEARCH UIDBEFORE *', 'UID SEARCH UIDAFTER 1:5', 'UID SEARCH UIDAFTER x']);
});

test('MESSAGELIMIT: STORE and MOVE do the highest UIDs; COPY does nothing; UID EXPUNGE counts \\Deleted; EXPUNGE, CLOSE and STATUS have no limit', async (t) => {
  const { c } = await seededInbox(t, 1200);
  const stored = await c.command('a1', 'UID STORE 1:* +FLAGS (\\Seen)');
  assert.equal(stored.at(-1), 'a1 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed');
  assert.match(stored[0]!, /^\* 1200 FETCH \(UID 1200 FLAGS \(.*\\Seen\)\)$/);
  assert.equal(stored.length, 1001);
  assert.deepEqual(await c.command('a2', 'UID SEARCH RETURN (COUNT) UID 1:1000 UNSEEN'), ['* ESEARCH (TAG "a2") UID COUNT 200', 'a2 OK SEARCH completed']);
  // STATUS UNSEEN counts every message (section 3.1).
  assert.deepEqual(await c.command('a3', 'STATUS INBOX (MESSAGES UNSEEN)'), ['* STATUS "INBOX" (MESSAGES 1200 UNSEEN 200)', 'a3 OK STATUS completed']);
  // With another code in the tagged OK (MODIFIED), MESSAGELIMIT goes out in an untagged NO before it.
  const modified = await c.command('a4', 'UID STORE 1:* (UNCHANGEDSINCE 1) +FLAGS.SILENT (\\Flagged)');
  assert.equal(modified.at(-2), '* NO [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed');
  assert.match(modified.at(-1)!, /^a4 OK \[MODIFIED 201:1200\] /);

  await c.command('m0', 'CREATE Target');
  assert.deepEqual(await c.command('m1', 'UID COPY 1:* Target'), ['m1 NO [MESSAGELIMIT 1000 201] At most 1000 messages in one command, try a smaller set']);
  assert.deepEqual(await c.command('m2', 'STATUS Target (MESSAGES)'), ['* STATUS "Target" (MESSAGES 0)', 'm2 OK STATUS completed']);
  assert.match((await c.command('m3', 'COPY 1:1000 Target')).at(-1)!, /^m3 OK \[COPYUID \d+ 1:1000 1:1000\] COPY completed$/);
  const moved = await c.command('m4', 'UID MOVE 1:* Target');
  assert.match(moved[0]!, /^\* OK \[COPYUID \d+ 201:1200 1001:2000\] Moved$/);
  assert.equal(moved.filter((l) => / EXPUNGE$/.test(l)).length, 1000);
  assert.equal(moved.at(-1), 'm4 OK [MESSAGELIMIT 1000 201] Only the last 1000 of 1200 messages were processed');
  const last = await c.command('m5', 'UID MOVE 1:* Target');
  assert.match(last[0]!, /^\* OK \[COPYUID \d+ 1:200 2001:2200\] Moved$/);
  assert.deepEqual(last.slice(1), [...range(1, 200).reverse().map((n) => `* ${n} EXPUNGE`), '* 0 RECENT', 'm5 OK MOVE completed']);

  // Target holds 2200: mark all \Deleted in three steps, then UID EXPUNGE goes 1000 at a time. With QRESYNC
  // the tagged OK carries HIGHESTMODSEQ, so the cut is told in an untagged NO before it.
  await c.command('q0', 'ENABLE QRESYNC');
  await c.command('x0', 'SELECT Target');
  for (const [n, set] of ['1:1000', '1001:2000', '2001:2200'].entries()) assert.match((await c.command(`x${n + 1}`, `UID STORE ${set} +FLAGS.SILENT (\\Deleted)`)).at(-1)!, /OK STORE completed$/);
  const expunged = await c.command('x4', 'UID EXPUNGE 1:*');
  assert.deepEqual(expunged.slice(0, 2), ['* NO [MESSAGELIMIT 1000 1201] Only the last 1000 of 2200 messages were processed', '* VANISHED 1201:2200']);
  assert.match(expunged.at(-1)!, /^x4 OK \[HIGHESTMODSEQ \d+\] UID EXPUNGE completed$/);
  // EXPUNGE has no limit (section 3.1): the other 1200 go at once.
  const all = await c.command('x5', 'EXPUNGE');
  assert.equal(all[0], '* VANISHED 1:1200');
  assert.match(all.at(-1)!, /^x5 OK \[HIGHESTMODSEQ \d+\] EXPUNGE completed$/);
});

test('MESSAGELIMIT: a MULTIAPPEND of more messages than the limit stores none', async (t) => {
  const { c } = await seededInbox(t, 0);
  const one = (n: number) => {
    const raw = `Subject: a${n}\r\n\r\nx\r\n`;
    return ` {${raw.length}+}\r\n${raw}`;
  };
  const many = (count: number) => `APPEND INBOX${range(1, count).map(one).join('')}`;
  assert.deepEqual(await c.command('a1', many(1001)), ['a1 NO [MESSAGELIMIT 1000] At most 1000 messages in one command, try a smaller set']);
  assert.deepEqual(await c.command('a2', 'STATUS INBOX (MESSAGES)'), ['* STATUS "INBOX" (MESSAGES 0)', 'a2 OK STATUS completed']);
  assert.match((await c.command('a3', many(1000))).at(-1)!, /^a3 OK \[APPENDUID \d+ 1:1000\] APPEND completed$/);
  // A hostile count far past the limit is read to its end and refused; the session goes on.
  assert.deepEqual(await c.command('a4', many(5000)), ['a4 NO [MESSAGELIMIT 1000] At most 1000 messages in one command, try a smaller set']);
  assert.equal((await c.command('n', 'NOOP')).at(-1), 'n OK NOOP completed');
});
