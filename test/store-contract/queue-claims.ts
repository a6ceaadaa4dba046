import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreBackend } from './backend.ts';

/** Claims on queue entries: one sender at a time among all that share the store. */
export function queueClaimContract(backend: StoreBackend): void {
  test(`${backend.name}: a queue entry is claimed by one holder until it is given back or the claim runs out`, async (t) => {
    const { store } = await backend.open(t);
    const entry = await store.enqueue({ from: 'a@a.test', createdAt: 1, delayWarned: false, recipients: [{ address: 'b@b.test', state: 'pending', attempts: 0, nextAttempt: 1 }] }, Buffer.from('x'));
    const later = Date.now() + 60_000;
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', later), true);
    assert.equal(await store.claimQueueEntry(entry.id, 'node-b', later), false, 'held by another');
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', later + 1), true, 'the holder renews');
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', 0), true, 'given back');
    assert.equal(await store.claimQueueEntry(entry.id, 'node-b', Date.now() - 1), true, 'free again');
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', later), true, 'a claim that ran out is no claim');
    await assert.rejects(store.claimQueueEntry('../x', 'node-a', later), /not a queue id/);
    assert.equal(await store.removeQueueEntry(entry.id), true);
    assert.equal(await store.claimQueueEntry(entry.id, 'node-b', later), false, 'a removed entry cannot be claimed');
  });
}
