import { Coalescer } from '../coalescer.ts';

export type BatchOp = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };

type WriteBatch = (ops: BatchOp[], sync: boolean) => Promise<void>;

/**
 * Group commit: batches handed in while a synced write is in flight are written
 * together in the next one, so concurrent sessions share one fsync. Each caller's
 * promise resolves only after the batch holding its operations is synced (rule 1).
 * Batches are written in the order they were submitted.
 */
export class CommitQueue {
  readonly #groups: Coalescer<BatchOp[], void>;

  constructor(write: WriteBatch, sync: boolean) {
    this.#groups = new Coalescer<BatchOp[], void>(async (batches) => {
      await write(batches.flat(), sync);
      return batches.map(() => undefined);
    });
  }

  commit(ops: BatchOp[]): Promise<void> {
    return ops.length === 0 ? Promise.resolve() : this.#groups.submit(ops);
  }
}
