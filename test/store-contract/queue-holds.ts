import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreBackend } from './backend.ts';

/** Holds on queue entries: kept by the store, skipped by claims, untouched by the runner's updates. */
export function queueHoldContract(backend: StoreBackend): void {
  test(`${backend.name}: a held queue entry cannot be claimed, keeps its hold through updates and is released`, async (t) => {
    const { store } = await backend.open(t);
    const entry = await store.enqueue({ from: 'a@a.test', createdAt: 1, delayWarned: false, recipients: [{ address: 'b@b.test', state: 'pending', attempts: 0, nextAttempt: 1 }] }, Buffer.from('x'));
    const later = Date.now() + 60_000;

    const held = await store.holdQueueEntry(entry.id, 1234);
    assert.equal(held?.heldAt, 1234);
    assert.equal((await store.getQueueEntry(entry.id))?.heldAt, 1234);
    assert.equal((await store.listQueue()).find((e) => e.id === entry.id)?.heldAt, 1234);
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', later), false, 'a held entry is not claimed');
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', 0), true, 'giving a claim back still works');

    // An update written by a runner that read the entry before the hold does not undo it.
    const { heldAt: _, ...stale } = held!;
    stale.recipients[0]!.attempts = 1;
    assert.equal(await store.updateQueueEntry(stale), true);
    const updated = await store.getQueueEntry(entry.id);
    assert.equal(updated?.heldAt, 1234);
    assert.equal(updated?.recipients[0]?.attempts, 1);
    // Nor can an update put one on.
    await store.holdQueueEntry(entry.id, null);
    assert.equal(await store.updateQueueEntry({ ...updated!, heldAt: 99 }), true);
    assert.equal((await store.getQueueEntry(entry.id))?.heldAt, undefined);

    const released = await store.holdQueueEntry(entry.id, null);
    assert.equal(released?.heldAt, undefined);
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', later), true, 'released, it is claimed again');

    // A claim taken before the hold is the runner's attempt in progress: the hold stops the next one.
    await store.holdQueueEntry(entry.id, 5);
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', 0), true);
    assert.equal(await store.claimQueueEntry(entry.id, 'node-a', later), false);

    assert.equal(await store.holdQueueEntry('000000000deadbeef', 1), null, 'a missing entry');
    await assert.rejects(store.holdQueueEntry('../x', 1), /not a queue id/);
    assert.equal(await store.removeQueueEntry(entry.id), true);
    assert.equal(await store.holdQueueEntry(entry.id, 1), null, 'a removed entry');
  });
}
