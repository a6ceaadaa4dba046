import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { writeMessages } from '../src/delivery/deliver.ts';
import { keys, prefixEnd } from '../src/store/level/keys.ts';
import { indexBuildBatch } from '../src/store/level/mailbox-index-build.ts';
import { mailboxIndexStep } from '../src/store/level/migrate/mailbox-index.ts';
import { SEGMENT_UIDS } from '../src/store/level/index-segment.ts';
import { openLevelStore, type LevelStore } from '../src/store/level/store.ts';
import { StoreError, type Mailbox, type MessageMeta } from '../src/store/types.ts';
import { tempDir } from './helpers/env.ts';
import { addAccount, message } from './helpers/store.ts';

// The LevelDB mailbox index (src/store/level/mailbox-index.ts): its keys, damage and
// repair, and its build for a store that has none. What every backend must answer is
// in the contract suite.

const OPTIONS = { sync: true, chunkSize: 65536 };

/** Alice's INBOX with `count` messages, written a few hundred per batch. */
async function filled(t: TestContext, count: number): Promise<{ store: LevelStore; inbox: Mailbox; dir: string }> {
  const dir = tempDir(t);
  const store = await openLevelStore(dir, OPTIONS);
  t.after(() => store.close().catch(() => {}));
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  for (let i = 0; i < count; i += 500) {
    const items = Array.from({ length: Math.min(500, count - i) }, (_, k) => ({
      raw: message(`m${i + k}`),
      targets: [{ accountId: alice.id, mailboxId: inbox.id, prefix: 'Delivered-To: alice@example.org\r\n', flags: (i + k) % 3 === 0 ? ['\\Seen'] : [] }],
    }));
    await writeMessages(store, items, { enforceQuota: false, atomic: false });
  }
  return { store, inbox, dir };
}

async function rawRange(store: LevelStore, prefix: string): Promise<Map<string, string>> {
  const rows = await store.core.db.iterator({ gte: prefix, lt: prefixEnd(prefix) }).all();
  return new Map(rows.map(([k, v]) => [k, v.toString('hex')]));
}

test('LevelDB index: a flag change rewrites the one segment that holds the message, not the records', async (t) => {
  const { store, inbox } = await filled(t, 2100);
  const segmentsBefore = await rawRange(store, keys.indexSegmentPrefix(inbox.id));
  assert.deepEqual([...segmentsBefore.keys()], [0, 1, 2].map((n) => keys.indexSegment(inbox.id, n)), '2,100 UIDs in three segments');
  const recordsBefore = await rawRange(store, keys.messagePrefix(inbox.id));

  const [changed] = await store.storeFlags(inbox.id, [1500], 'add', ['$Important', '\\Flagged']);
  assert.deepEqual(changed!.flags, ['$Important', '\\Flagged']);
  const segmentsAfter = await rawRange(store, keys.indexSegmentPrefix(inbox.id));
  const rewritten = [...segmentsAfter].filter(([k, v]) => segmentsBefore.get(k) !== v).map(([k]) => k);
  assert.deepEqual(rewritten, [keys.indexSegment(inbox.id, 1)]);
  assert.deepEqual(await rawRange(store, keys.messagePrefix(inbox.id)), recordsBefore, 'no message record was rewritten');
  assert.deepEqual(JSON.parse((await store.core.db.get(keys.flagTable(inbox.id)))!.toString()), ['$Important'], 'a new keyword enters the flag table');

  // The records keep the flags they were added with; every reader sees the index's.
  const [message1500] = await store.getMessages(inbox.id, [1500]);
  assert.deepEqual([message1500!.flags, message1500!.modSeq], [changed!.flags, changed!.modSeq]);
  assert.deepEqual((await store.listMessages(inbox.id)).find((m) => m.uid === 1500)!.flags, changed!.flags);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('LevelDB index: a damaged segment is refused by readers, reported by store check, and rebuilt by --repair', async (t) => {
  const { store, inbox } = await filled(t, 1500);
  await store.storeFlags(inbox.id, [10], 'add', ['$Kept']);
  await store.storeFlags(inbox.id, [1200], 'add', ['$Lost']);
  const before = (await store.getMailboxById(inbox.id))!;
  const key = keys.indexSegment(inbox.id, 1);
  const good = (await store.core.db.get(key))!;
  const bad = Buffer.from(good);
  bad[20]! ^= 0x10;
  await store.core.db.put(key, bad);

  await assert.rejects(store.messageStates(inbox.id), (err: unknown) => err instanceof StoreError && err.code === 'invalid' && /damaged.*checksum/.test(err.message));
  await assert.rejects(store.storeFlags(inbox.id, [1100], 'add', ['\\Seen']), StoreError, 'a writer does not build on a damaged segment');
  assert.deepEqual((await store.messageStates(inbox.id, [10])).map((m) => m.flags), [['\\Seen', '$Kept']], 'segments that read well still serve');

  const problems = await store.check({ repair: false });
  assert.ok(problems.some((p) => /index: segment 1: checksum mismatch/.test(p.what)), JSON.stringify(problems));
  assert.ok(problems.some((p) => /index: 476 message\(s\) missing, UIDs 1025/.test(p.what)), JSON.stringify(problems));
  assert.ok(problems.every((p) => !p.repaired));

  const repaired = await store.check({ repair: true });
  assert.ok(repaired.length > 0 && repaired.every((p) => p.repaired), JSON.stringify(repaired));
  assert.deepEqual(await store.check({ repair: false }), []);
  const states = await store.messageStates(inbox.id);
  assert.equal(states.length, 1500);
  const after = (await store.getMailboxById(inbox.id))!;
  assert.ok(after.highestModSeq > before.highestModSeq, 'the recovered messages got a new MODSEQ, so clients fetch their flags again');
  const byUid = new Map(states.map((s) => [s.uid, s]));
  assert.deepEqual(byUid.get(10)!.flags, ['\\Seen', '$Kept'], 'an entry that read well keeps its flags');
  assert.ok(byUid.get(10)!.modSeq < after.highestModSeq);
  assert.deepEqual([byUid.get(1200)!.flags, byUid.get(1200)!.modSeq], [[], after.highestModSeq], 'a lost one gets the flags it was added with');
  assert.deepEqual(byUid.get(1201)!.flags, ['\\Seen'], '1201 was added \\Seen');
  assert.equal(after.unseen, states.filter((s) => !s.flags.includes('\\Seen')).length);
});

test('LevelDB index: a damaged flag table and stray index keys are reported and repaired', async (t) => {
  const { store, inbox } = await filled(t, 30);
  await store.core.db.put(keys.flagTable(inbox.id), Buffer.from('{"not":"a list"'));
  await store.core.db.put(keys.indexSegment(999, 0), Buffer.from('junk'));
  await assert.rejects(store.messageStates(inbox.id), StoreError);
  const problems = await store.check({ repair: true });
  assert.ok(problems.some((p) => /flag table: not JSON/.test(p.what)), JSON.stringify(problems));
  assert.ok(problems.some((p) => /mbi\/000003e7\/00000000: its mailbox does not exist/.test(p.what)), JSON.stringify(problems));
  assert.deepEqual(await store.check({ repair: false }), []);
  assert.equal((await store.messageStates(inbox.id)).length, 30);
});

test('LevelDB index: a layout-1 store (no index, flags in the records) is migrated when it opens and answers as its records did', async (t) => {
  const { store, inbox, dir } = await filled(t, 1100);
  await store.storeFlags(inbox.id, [5, 1050], 'add', ['$Done']);
  await store.expunge(inbox.id, [7]);
  const expected = await store.listMessages(inbox.id);
  // Layout 1: the records hold the current flags and MODSEQ, there is no index, meta/version is 1.
  const ops: { type: 'put' | 'del'; key: string; value?: Buffer }[] = expected.map((m) => ({ type: 'put', key: keys.message(inbox.id, m.uid), value: Buffer.from(JSON.stringify(m)) }));
  for (const prefix of [keys.indexSegmentAll, keys.flagTableAll]) for (const key of await store.core.scanKeys(prefix)) ops.push({ type: 'del', key });
  ops.push({ type: 'put', key: keys.version, value: Buffer.from('1') });
  await store.core.db.batch(ops as never);
  await store.close();

  const lines: string[] = [];
  const reopened = await openLevelStore(dir, OPTIONS, (p) => lines.push(`${p.id} ${p.done}/${p.total}`));
  t.after(() => reopened.close().catch(() => {}));
  assert.ok(lines.includes('mailbox-index 6/6'), lines.join('\n'));
  const strip = (list: MessageMeta[]) => list.map((m) => [m.uid, m.modSeq, m.size, m.flags.join(' ')]);
  assert.deepEqual(strip(await reopened.listMessages(inbox.id)), strip(expected));
  assert.deepEqual((await reopened.messageStates(inbox.id)).map((s) => [s.uid, s.modSeq, s.size, s.flags.join(' ')]), strip(expected));
  assert.deepEqual(await reopened.check({ repair: false }), []);
});

test('LevelDB index: the migration step goes a segment at a time and resumes from its cursor', async (t) => {
  const { store, inbox } = await filled(t, 2100);
  const want = await store.messageStates(inbox.id);
  for (const prefix of [keys.indexSegmentAll, keys.flagTableAll]) await store.core.db.batch((await store.core.scanKeys(prefix)).map((key) => ({ type: 'del' as const, key })));
  // One batch of the builder covers whole segments, about one segment's worth of records.
  const first = await indexBuildBatch(store.core, inbox.id, 0, 'as-recorded');
  assert.deepEqual([first.entries, first.recovered, first.next], [SEGMENT_UIDS, SEGMENT_UIDS, 1]);

  const cursors: (string | null)[] = [];
  let cursor: string | null = null;
  let done = 0;
  do {
    const batch = await mailboxIndexStep.next(store.core, cursor);
    await store.core.commit(batch.ops);
    done += batch.count;
    cursor = batch.cursor;
    cursors.push(cursor);
  } while (cursor !== null);
  assert.deepEqual(cursors.slice(0, 3), [1, 2, 0].map((n, i) => keys.indexSegment(i < 2 ? inbox.id : inbox.id + 1, n)), 'INBOX in three batches, then the next mailbox');
  assert.equal(done, 6, 'every mailbox of the account');
  assert.deepEqual(await store.messageStates(inbox.id), want);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('LevelDB index: deleting a mailbox or an account removes its index', async (t) => {
  const { store, inbox } = await filled(t, 10);
  const account = (await store.getAccountById(inbox.accountId))!;
  await store.createMailbox(account.id, 'Lists');
  const lists = (await store.getMailbox(account.id, 'Lists'))!;
  await store.copyMessages(inbox.id, [1, 2], lists.id, { enforceQuota: false });
  assert.ok(await store.core.db.get(keys.indexSegment(lists.id, 0)));
  await store.deleteMailbox(account.id, 'Lists');
  assert.deepEqual(await store.core.scanKeys(keys.indexSegmentPrefix(lists.id)), []);
  assert.equal(await store.core.db.get(keys.flagTable(lists.id)), undefined);
  await store.removeAccount(account.address);
  assert.deepEqual([...(await store.core.scanKeys(keys.indexSegmentAll)), ...(await store.core.scanKeys(keys.flagTableAll))], []);
});
