import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessage } from '../src/delivery/deliver.ts';
import type { LevelStore } from '../src/store/level/store.ts';
import { addAccount, message, testLevelStore } from './helpers/store.ts';

interface HeldBatch {
  sync: boolean;
  /** Lets the real write go ahead; the batch's callers are answered after it. */
  release(): void;
  /** Fails the batch without writing it. */
  fail(err: Error): void;
}

/** Holds every LevelDB batch of `store` until the test releases or fails it. */
function holdBatches(store: LevelStore): { next(): Promise<HeldBatch>; count(): number } {
  const db = store.core.db;
  const write = db.batch.bind(db) as (ops: unknown, opts: { sync: boolean }) => Promise<void>;
  const arrived: HeldBatch[] = [];
  const waiting: ((batch: HeldBatch) => void)[] = [];
  let count = 0;
  (db as unknown as { batch: unknown }).batch = (ops: unknown, opts: { sync: boolean }) =>
    new Promise<void>((resolve, reject) => {
      count++;
      const held: HeldBatch = {
        sync: opts.sync,
        release: () => write(ops, opts).then(resolve, reject),
        fail: reject,
      };
      const taker = waiting.shift();
      if (taker) taker(held);
      else arrived.push(held);
    });
  return {
    next: () => new Promise((resolve) => (arrived.length > 0 ? resolve(arrived.shift()!) : waiting.push(resolve))),
    count: () => count,
  };
}

/** A promise with a flag telling whether it has settled yet. */
function watched<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  return { promise, settled: () => done };
}

test('group commit: concurrent deliveries share one synced batch and are answered only after it; a failed batch fails all its callers', async (t) => {
  const { store } = await testLevelStore(t);
  const account = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
  const target = [{ accountId: account.id, mailboxId: inbox.id, prefix: '', flags: [] }];
  const deliver = (n: number) => watched(writeMessage(store, message(`m${n}`), target, { enforceQuota: true }));
  const batches = holdBatches(store);

  // The first delivery finds the store idle and goes alone; the seven that come while
  // its batch is being written go together in the next one.
  const first = deliver(0);
  const firstBatch = await batches.next();
  const rest = Array.from({ length: 7 }, (_, i) => deliver(i + 1));
  assert.equal(firstBatch.sync, true);
  assert.equal(first.settled(), false, 'answered before its batch was written');
  firstBatch.release();
  assert.deepEqual((await first.promise).map((o) => o.ok && o.uid), [1]);

  const shared = await batches.next();
  assert.equal(shared.sync, true);
  assert.ok(rest.every((d) => !d.settled()), 'answered before its batch was written');
  shared.release();
  const outcomes = await Promise.all(rest.map((d) => d.promise));
  assert.deepEqual(outcomes.map((o) => o[0]!.ok && o[0]!.uid), [2, 3, 4, 5, 6, 7, 8]);
  assert.equal(batches.count(), 2, 'the seven concurrent deliveries took one batch');
  assert.equal((await store.listMessages(inbox.id)).length, 8);

  // A batch that fails answers none of its callers with success, and writes none of them.
  const alone = deliver(8);
  const aloneBatch = await batches.next();
  const doomed = Array.from({ length: 4 }, (_, i) => deliver(i + 9));
  aloneBatch.release();
  await alone.promise;
  const failing = await batches.next();
  assert.ok(doomed.every((d) => !d.settled()));
  failing.fail(new Error('disk full'));
  for (const d of doomed) await assert.rejects(d.promise, /disk full/);
  assert.equal((await store.listMessages(inbox.id)).length, 9);
  assert.equal((await store.getMailboxById(inbox.id))!.messages, 9);

  // The store is consistent and takes the next delivery.
  const after = deliver(13);
  (await batches.next()).release();
  assert.equal((await after.promise)[0]!.ok, true);
  assert.equal((await store.listMessages(inbox.id)).length, 10);
  assert.deepEqual(await store.check({ repair: false }), []);
});
