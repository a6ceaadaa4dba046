import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessages } from '../src/delivery/deliver.ts';
import type { StoreEvent } from '../src/store/types.ts';
import { addAccount, collect, message, testStore } from './helpers/store.ts';

test('appendMany: several bodies in one batch; atomic means all or nothing', async (t) => {
  const { store } = await testStore(t);
  const account = await addAccount(store, 'alice@example.org', { messages: 3 });
  const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
  const events: StoreEvent[] = [];
  store.on((e) => events.push(e));
  const target = (flags: string[] = []) => [{ accountId: account.id, mailboxId: inbox.id, prefix: '', flags }];
  const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ raw: message(`b${i}`), targets: target([`$k${i}`]) }));

  const refused = await writeMessages(store, batch(4), { enforceQuota: true, atomic: true });
  assert.deepEqual(refused.map((r) => r[0]!.ok), [true, true, true, false]);
  assert.deepEqual(await store.listMessages(inbox.id), []);
  assert.equal(events.length, 0);
  assert.equal((await store.getMailboxById(inbox.id))!.uidNext, 1);

  const written = await writeMessages(store, batch(2), { enforceQuota: true, atomic: true });
  assert.deepEqual(written.map((r) => r[0]!.ok && r[0]!.uid), [1, 2]);
  const stored = await store.listMessages(inbox.id);
  assert.deepEqual(stored.map((m) => m.flags), [['$k0'], ['$k1']]);
  assert.notEqual(stored[0]!.blobId, stored[1]!.blobId);
  assert.ok((await collect(store.readMessage(stored[1]!))).toString().includes('Subject: b1'));
  assert.deepEqual(events.map((e) => e.type), ['append', 'append']);

  // Not atomic: what fits is written.
  const partial = await writeMessages(store, batch(2), { enforceQuota: true, atomic: false });
  assert.deepEqual(partial.map((r) => r[0]!.ok), [true, false]);
  assert.equal((await store.listMessages(inbox.id)).length, 3);
  assert.deepEqual(await store.check({ repair: false }), []);
});
