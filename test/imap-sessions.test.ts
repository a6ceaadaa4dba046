import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';
import { message } from './helpers/store.ts';

const last = (lines: string[]) => lines[lines.length - 1]!;
const untagged = (lines: string[]) => lines.filter((l) => l.startsWith('* '));

async function twoSessions(t: import('node:test').TestContext, count: number) {
  const env = await startImapServer(t);
  await addAccount(env.store, 'alice@example.org');
  for (let i = 1; i <= count; i++) await deliver(env.store, 'alice@example.org', message(`m${i}`));
  const a = await RawImap.connect(env.port);
  const b = await RawImap.connect(env.port);
  t.after(() => {
    a.close();
    b.close();
  });
  for (const c of [a, b]) {
    await c.login('alice@example.org');
    await c.command('S', 'SELECT INBOX');
  }
  return { ...env, a, b };
}

test('expunges by another session wait for a command that may report them, with correct numbers', async (t) => {
  const { a, b } = await twoSessions(t, 5);
  await b.command('b1', 'STORE 2,4 +FLAGS.SILENT (\\Deleted)');
  const expunged = await b.command('b2', 'EXPUNGE');
  assert.deepEqual(expunged, ['* 4 EXPUNGE', '* 2 EXPUNGE', 'b2 OK EXPUNGE completed']);
  // FETCH, STORE and SEARCH must not report them (RFC 3501 7.4.1): numbers stay as the client knows them.
  const fetch = await a.command('a1', 'FETCH 4 (UID)');
  assert.deepEqual(fetch.filter((l) => l.endsWith(' EXPUNGE')), []);
  assert.equal(last(fetch), 'a1 OK [EXPUNGEISSUED] Some messages were already expunged', 'the expunged message is left out');
  const search = await a.command('a2', 'SEARCH ALL');
  assert.equal(search[0], '* SEARCH 1 3 5', 'only the messages that still exist, by the numbers the client knows');
  const noop = await a.command('a3', 'NOOP');
  assert.deepEqual(untagged(noop).filter((l) => l.endsWith('EXPUNGE')), ['* 4 EXPUNGE', '* 2 EXPUNGE']);
  assert.equal((await a.command('a4', 'FETCH 3 (UID)'))[0], '* 3 FETCH (UID 5)');
});

test('new mail and flag changes reach the other session; UIDs are never reused', async (t) => {
  const { a, b, store } = await twoSessions(t, 3);
  await b.command('b1', 'STORE 1 +FLAGS (\\Flagged)');
  await b.command('b2', 'STORE 3 +FLAGS.SILENT (\\Deleted)');
  await b.command('b3', 'EXPUNGE');
  await deliver(store, 'alice@example.org', message('fresh'));
  const noop = untagged(await a.command('a1', 'NOOP'));
  // a selected first, so the messages are \\Recent there (RFC 3501 2.3.2); the new one too, and their count is unchanged.
  assert.deepEqual(noop, ['* 3 EXPUNGE', '* 3 EXISTS', '* 1 FETCH (UID 1 FLAGS (\\Recent \\Flagged))']);
  const uids = await a.command('a2', 'UID SEARCH ALL');
  assert.equal(uids[0], '* SEARCH 1 2 4', 'the new message got UID 4, not the expunged 3');
  // The session's own change is reported once, by STORE, not again at the next command.
  const store1 = await a.command('a3', 'STORE 2 +FLAGS (\\Seen)');
  assert.deepEqual(untagged(store1), ['* 2 FETCH (UID 2 FLAGS (\\Recent \\Seen))']);
  assert.deepEqual(untagged(await a.command('a4', 'NOOP')), []);
  assert.deepEqual(untagged(await b.command('b4', 'NOOP')), ['* 3 EXISTS', '* 2 FETCH (UID 2 FLAGS (\\Seen))']);
  // Messages that already had the flag are answered too, in order, whether or not the write changed them.
  assert.deepEqual(untagged(await a.command('a5', 'STORE 1:3 +FLAGS (\\Seen)')), [
    '* 1 FETCH (UID 1 FLAGS (\\Recent \\Flagged \\Seen))',
    '* 2 FETCH (UID 2 FLAGS (\\Recent \\Seen))',
    '* 3 FETCH (UID 4 FLAGS (\\Recent \\Seen))',
  ]);
  assert.deepEqual(untagged(await a.command('a6', 'STORE 1:3 +FLAGS.SILENT (\\Answered)')), []);
});

test('IDLE reports a delivery, a flag change and an expunge as they happen', async (t) => {
  const { a, b, store } = await twoSessions(t, 2);
  a.send('i1 IDLE\r\n');
  assert.equal(await a.line(), '+ idling');
  await deliver(store, 'alice@example.org', message('pushed'));
  assert.equal(await a.line(), '* 3 EXISTS');
  assert.equal(await a.line(), '* 3 RECENT');
  await b.command('b1', 'STORE 1 +FLAGS (\\Answered)');
  assert.equal(await a.line(), '* 1 FETCH (UID 1 FLAGS (\\Recent \\Answered))');
  await b.command('b2', 'UID MOVE 2 Archive');
  assert.equal(await a.line(), '* 2 EXPUNGE');
  assert.equal(await a.line(), '* 2 RECENT');
  a.send('DONE\r\n');
  assert.deepEqual(await a.until('i1'), ['i1 OK IDLE terminated']);
  assert.deepEqual((await a.command('a2', 'FETCH 1:* (UID)')).slice(0, -1), ['* 1 FETCH (UID 1)', '* 2 FETCH (UID 3)']);
});

test('MOVE reports COPYUID before its expunges; COPY and APPEND answer UIDPLUS codes', async (t) => {
  const { a, b } = await twoSessions(t, 4);
  const moved = await a.command('m1', 'MOVE 2:3 Archive');
  assert.match(moved[0]!, /^\* OK \[COPYUID \d+ 2:3 1:2\] Moved$/);
  assert.deepEqual(moved.slice(1), ['* 3 EXPUNGE', '* 2 EXPUNGE', '* 2 RECENT', 'm1 OK MOVE completed']);
  assert.match(last(await a.command('m2', 'UID COPY 4 Archive')), /^m2 OK \[COPYUID \d+ 4 3\] COPY completed$/);
  assert.match(last(await a.command('m3', 'COPY 1 Nowhere')), /^m3 NO \[TRYCREATE\]/);
  const appended = 'Subject: appended\r\n\r\nHello\r\n';
  a.send(`m4 APPEND INBOX (\\Seen $Work) "01-Feb-2026 08:00:00 +0100" {${appended.length}}\r\n`);
  assert.equal(await a.line(), '+ Ready for literal data');
  a.send(`${appended}\r\n`);
  const append = await a.until('m4');
  assert.match(last(append), /^m4 OK \[APPENDUID \d+ 5\] APPEND completed$/);
  const keyword = ['* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work)', '* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Work \\*)] Flags permitted'];
  assert.deepEqual(untagged(append), [...keyword, '* 3 EXISTS', '* 3 RECENT']);
  const fetched = await a.command('m5', 'FETCH 3 (FLAGS INTERNALDATE RFC822.SIZE)');
  assert.equal(fetched[0], '* 3 FETCH (FLAGS (\\Recent \\Seen $Work) INTERNALDATE " 1-Feb-2026 07:00:00 +0000" RFC822.SIZE 28)');
  assert.deepEqual(untagged(await b.command('b1', 'NOOP')), ['* 3 EXPUNGE', '* 2 EXPUNGE', ...keyword, '* 3 EXISTS']);
  const status = await b.command('b2', 'STATUS Archive (MESSAGES UIDNEXT)');
  assert.equal(status[0], '* STATUS "Archive" (MESSAGES 3 UIDNEXT 4)');
});

test('CONDSTORE: MODSEQ, CHANGEDSINCE, UNCHANGEDSINCE, SEARCH MODSEQ', async (t) => {
  const { a, b } = await twoSessions(t, 3);
  const before = await a.command('c1', 'FETCH 1:3 (MODSEQ)');
  // The first CONDSTORE-enabling command says where the client stands (RFC 7162 3.1).
  assert.match(before[0]!, /^\* OK \[HIGHESTMODSEQ \d+\] Highest$/);
  const modseqs = before.slice(1, -1).map((l) => Number(/MODSEQ \((\d+)\)/.exec(l)![1]));
  assert.ok(modseqs[0]! < modseqs[1]! && modseqs[1]! < modseqs[2]!);
  await b.command('b1', 'STORE 2 +FLAGS (\\Flagged)');
  const noop = untagged(await a.command('c2', 'NOOP'));
  assert.match(noop[0]!, /^\* 2 FETCH \(UID 2 FLAGS \(\\Recent \\Flagged\) MODSEQ \(\d+\)\)$/);
  const changed = await a.command('c3', `FETCH 1:* (FLAGS) (CHANGEDSINCE ${modseqs[2]})`);
  assert.equal(changed.length, 2);
  assert.match(changed[0]!, /^\* 2 FETCH \(FLAGS \(\\Recent \\Flagged\) MODSEQ \(\d+\)\)$/);
  const conditional = await a.command('c4', `STORE 1:2 (UNCHANGEDSINCE ${modseqs[2]}) +FLAGS (\\Seen)`);
  assert.match(last(conditional), /^c4 OK \[MODIFIED 2\]/);
  assert.deepEqual(untagged(conditional).map((l) => l.replace(/MODSEQ \(\d+\)/, 'M')), ['* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen) M)']);
  const search = await a.command('c5', `SEARCH MODSEQ ${modseqs[2]! + 1}`);
  assert.match(search[0]!, /^\* SEARCH 1 2 \(MODSEQ \d+\)$/);
});
