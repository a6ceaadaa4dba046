import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessage } from '../src/delivery/deliver.ts';
import { keys } from '../src/store/level/keys.ts';
import type { StoreEvent } from '../src/store/types.ts';
import { addAccount, collect, message, testLevelStore } from './helpers/store.ts';

async function setup(t: import('node:test').TestContext) {
  const { store } = await testLevelStore(t, 4096);
  const alice = await addAccount(store, 'alice@example.org', { messages: 5 });
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  const archive = (await store.getMailbox(alice.id, 'Archive'))!;
  for (const [i, flags] of [[], ['\\Seen'], ['$Label']].entries()) {
    const [r] = await writeMessage(store, message(`m${i}`, 'y'.repeat(9000)), [{ accountId: alice.id, mailboxId: inbox.id, prefix: 'Delivered-To: alice@example.org\r\n', flags }], { enforceQuota: true });
    assert.ok(r!.ok);
  }
  return { store, alice, inbox, archive };
}

test('getMessages reads records in the order asked, null for missing ones', async (t) => {
  const { store, inbox } = await setup(t);
  const got = await store.getMessages(inbox.id, [3, 9, 1]);
  assert.deepEqual(got.map((m) => m?.uid ?? null), [3, null, 1]);
});

test('copyMessages shares the body, keeps flags and dates, counts and emits after commit', async (t) => {
  const { store, inbox, archive } = await setup(t);
  const events: StoreEvent[] = [];
  store.on((e) => events.push(e));
  const before = (await store.getMailboxById(archive.id))!;
  const outcome = await store.copyMessages(inbox.id, [3, 1, 2, 7], archive.id, { enforceQuota: false });
  assert.ok(outcome.ok);
  assert.equal(outcome.uidValidity, archive.uidValidity);
  assert.deepEqual(outcome.copies, [{ from: 1, to: 1 }, { from: 2, to: 2 }, { from: 3, to: 3 }]);
  const source = await store.listMessages(inbox.id);
  const copies = await store.listMessages(archive.id);
  assert.deepEqual(copies.map((m) => m.flags), source.map((m) => m.flags));
  assert.deepEqual(copies.map((m) => m.internalDate), source.map((m) => m.internalDate));
  assert.deepEqual(copies.map((m) => m.blobId), source.map((m) => m.blobId));
  assert.deepEqual(await collect(store.readMessage(copies[0]!)), await collect(store.readMessage(source[0]!)));
  const after = (await store.getMailboxById(archive.id))!;
  assert.deepEqual([after.messages, after.unseen, after.uidNext, after.size], [3, 2, 4, source.reduce((n, m) => n + m.size, 0)]);
  assert.ok(after.highestModSeq > before.highestModSeq);
  assert.deepEqual(events, [{ type: 'append', accountId: inbox.accountId, mailboxId: archive.id, uids: [1, 2, 3], modSeq: after.highestModSeq }]);
  // Each copy has its own body reference; expunging the source leaves the body in place.
  await store.expunge(inbox.id, [1, 2, 3]);
  assert.equal((await collect(store.readMessage(copies[1]!))).length, copies[1]!.size);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('copyMessages refuses over quota and into another account, changing nothing', async (t) => {
  const { store, inbox, archive } = await setup(t);
  const over = await store.copyMessages(inbox.id, [1, 2, 3], archive.id, { enforceQuota: true });
  assert.equal(over.ok === false && over.reason, 'quota');
  assert.equal((await store.listMessages(archive.id)).length, 0);
  const bob = await addAccount(store, 'bob@example.org');
  const bobInbox = (await store.getMailbox(bob.id, 'INBOX'))!;
  const foreign = await store.copyMessages(inbox.id, [1], bobInbox.id, { enforceQuota: false });
  assert.equal(foreign.ok === false && foreign.reason, 'no-mailbox');
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('moveMessages moves in one batch: new UIDs, expunge records, both counters, two events', async (t) => {
  const { store, inbox, archive } = await setup(t);
  const events: StoreEvent[] = [];
  store.on((e) => events.push(e));
  const outcome = await store.moveMessages(inbox.id, [1, 3], archive.id);
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.copies, [{ from: 1, to: 1 }, { from: 3, to: 2 }]);
  assert.deepEqual((await store.listMessages(inbox.id)).map((m) => m.uid), [2]);
  assert.deepEqual((await store.listMessages(archive.id)).map((m) => m.flags), [[], ['$Label']]);
  const source = (await store.getMailboxById(inbox.id))!;
  assert.deepEqual([source.messages, source.unseen], [1, 0]);
  assert.deepEqual(await store.expungedSince(inbox.id, 0), [1, 3]);
  assert.deepEqual(events.map((e) => e.type === 'mailboxes' ? e.type : [e.type, e.mailboxId, e.uids]), [
    ['append', archive.id, [1, 2]],
    ['expunge', inbox.id, [1, 3]],
  ]);
  // The body references moved with the messages.
  const [moved] = await store.listMessages(archive.id);
  assert.equal(await store.core.db.get(keys.ref(moved!.blobId, inbox.id, 1)), undefined);
  assert.ok(await store.core.db.get(keys.ref(moved!.blobId, archive.id, 1)));
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('moveMessages within one mailbox renumbers, and UIDs are never reused', async (t) => {
  const { store, inbox } = await setup(t);
  const outcome = await store.moveMessages(inbox.id, [2], inbox.id);
  assert.ok(outcome.ok);
  assert.deepEqual(outcome.copies, [{ from: 2, to: 4 }]);
  assert.deepEqual((await store.listMessages(inbox.id)).map((m) => m.uid), [1, 3, 4]);
  const mailbox = (await store.getMailboxById(inbox.id))!;
  assert.deepEqual([mailbox.messages, mailbox.uidNext], [3, 5]);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('storeFlags with unchangedSince leaves newer messages alone', async (t) => {
  const { store, inbox } = await setup(t);
  const [first] = await store.storeFlags(inbox.id, [1], 'add', ['\\Flagged']);
  const changed = await store.storeFlags(inbox.id, [1, 2], 'add', ['\\Answered'], first!.modSeq - 1);
  assert.deepEqual(changed.map((m) => m.uid), [2]);
  assert.deepEqual((await store.getMessage(inbox.id, 1))!.flags, ['\\Flagged']);
});
