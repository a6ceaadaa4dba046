import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessage } from '../src/delivery/deliver.ts';
import { LAYOUT_VERSION } from '../src/store/level/core.ts';
import { keys } from '../src/store/level/keys.ts';
import { openLevelStore } from '../src/store/level/store.ts';
import type { StoreError } from '../src/store/types.ts';
import { addAccount, message, testLevelStore } from './helpers/store.ts';

// What only the LevelDB backend has: its keys, its damage and repair, its file lock.
// Every behaviour a backend shares is in the contract suite (test/store-contract/).

test('LevelDB: a freed body and a removed account leave no key behind', async (t) => {
  const { store } = await testLevelStore(t, 4096);
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  const archive = (await store.getMailbox(alice.id, 'Archive'))!;
  await writeMessage(store, message('big', 'x'.repeat(10_000)), [{ accountId: alice.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
  await writeMessage(store, message('kept'), [{ accountId: alice.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
  const [big, kept] = await store.listMessages(inbox.id);
  await store.moveMessages(inbox.id, [kept!.uid], archive.id);
  assert.equal(await store.core.db.get(keys.ref(kept!.blobId, inbox.id, kept!.uid)), undefined, 'the reference moved');
  assert.ok(await store.core.db.get(keys.ref(kept!.blobId, archive.id, 1)));
  await store.expunge(inbox.id, [big!.uid]);
  for (const key of [keys.blob(big!.blobId), keys.blobText(big!.blobId), keys.blobSummary(big!.blobId), keys.chunk(big!.blobId, 0), keys.chunk(big!.blobId, 2)]) {
    assert.equal(await store.core.db.get(key), undefined, key);
  }
  await store.removeAccount('alice@example.org');
  const leftovers: string[] = [];
  for await (const key of store.core.db.keys()) if (!key.startsWith('meta/') && !key.startsWith('dom/')) leftovers.push(key);
  assert.deepEqual(leftovers, []);
  assert.equal((await store.core.db.get(keys.version))?.toString(), String(LAYOUT_VERSION), 'a new store is at the current layout');
});

test('LevelDB: store check finds and repairs broken counters and references', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  for (const s of ['a', 'b', 'c']) {
    await writeMessage(store, message(s), [{ accountId: alice.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
  }
  const [m1, m2] = await store.listMessages(inbox.id);
  // Damage the store the way a bug would: wrong counters, a lost reference, an orphan body.
  const box = (await store.getMailboxById(inbox.id))!;
  await store.core.db.put(keys.mailbox(inbox.id), Buffer.from(JSON.stringify({ ...box, messages: 7, unseen: 0, uidNext: 2 })));
  await store.core.db.del(keys.ref(m1!.blobId, inbox.id, m1!.uid));
  await store.core.db.del(keys.message(inbox.id, m2!.uid));
  await store.core.db.put(keys.chunk('feedface', 0), Buffer.from('stray'));

  const problems = await store.check({ repair: false });
  const text = problems.map((p) => p.what).join('\n');
  assert.match(text, /messages 7 should be 2/);
  assert.match(text, /uidNext 2 should be 4/);
  assert.match(text, /body reference missing/);
  assert.match(text, new RegExp(`body ${m2!.blobId}: no message refers to it`));
  assert.match(text, /chunk chk\/feedface\/00000000: belongs to no body/);
  assert.ok(problems.every((p) => !p.repaired));

  const repaired = await store.check({ repair: true });
  assert.ok(repaired.length >= 5 && repaired.every((p) => p.repaired));
  assert.deepEqual(await store.check({ repair: false }), []);
  const fixed = (await store.getMailboxById(inbox.id))!;
  assert.deepEqual([fixed.messages, fixed.unseen, fixed.uidNext], [2, 2, 4]);
});

test('LevelDB: a queued message is kept in chunks; a chunk left behind is found and removed', async (t) => {
  const { store } = await testLevelStore(t, 4096);
  const entry = await store.enqueue({ from: 'a@a.test', createdAt: 1, delayWarned: false, recipients: [] }, Buffer.alloc(10_000, 'a'));
  assert.match(entry.id, /^[0-9a-z]{9}[0-9a-f]{8}$/, 'enqueue time, then random: key order is arrival order');
  assert.equal((await store.core.scanKeys(keys.queueChunkPrefix(entry.id))).length, 3);
  await store.removeQueueEntry(entry.id);
  // Only a bug could leave one: every change is one batch.
  await store.core.db.put(`qch/${entry.id}/00000000`, Buffer.from('stray'));
  assert.deepEqual(await store.check({ repair: true }), [{ what: `queue chunk qch/${entry.id}/00000000: belongs to no queued message`, repaired: true }]);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('LevelDB: a second process cannot open a store in use: one clear error', async (t) => {
  const { dir } = await testLevelStore(t);
  await assert.rejects(openLevelStore(dir, { sync: true, chunkSize: 65536 }), (e: StoreError) => e.code === 'locked' && /locked by another process/.test(e.message));
});
