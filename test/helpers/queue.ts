import assert from 'node:assert/strict';
import type { OutboundQueue } from '../../src/queue/outbound.ts';
import type { QueueEntry } from '../../src/store/types.ts';

/**
 * Resolves with what `check` finds once it finds something, looking again after
 * every change to the queue (the runner commits its results before it reports a change).
 */
export function untilQueue<T>(queue: OutboundQueue, check: () => Promise<T | null | undefined | false>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let checking = Promise.resolve();
    const look = () => {
      checking = checking.then(async () => {
        if (done) return;
        try {
          const found = await check();
          if (found) {
            done = true;
            queue.off('change', look);
            resolve(found);
          }
        } catch (err) {
          done = true;
          queue.off('change', look);
          reject(err as Error);
        }
      });
    };
    queue.on('change', look);
    look();
  });
}

/** The oldest queue entry, once its first recipient was tried `n` times and the runner let go of it. */
export function untilTried(queue: OutboundQueue, n = 1): Promise<QueueEntry> {
  return untilQueue(queue, async () => {
    const [e] = await queue.list();
    return e !== undefined && e.recipients[0]!.attempts === n && !queue.isBusy(e.id) && e;
  });
}

/** Once the queue is empty: every entry delivered, failed or removed, and its reports committed. */
export function untilEmpty(queue: OutboundQueue): Promise<true> {
  return untilQueue(queue, async () => (await queue.list()).length === 0);
}

/** Moves an entry's arrival into the past, as if it had been queued that long ago. */
export async function age(queue: OutboundQueue, entry: QueueEntry, ms: number): Promise<void> {
  assert.ok(await queue.store.updateQueueEntry({ ...entry, createdAt: Date.now() - ms }));
}
