export type BatchOp = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };

interface Waiter {
  ops: BatchOp[];
  resolve: () => void;
  reject: (err: Error) => void;
}

type WriteBatch = (ops: BatchOp[], sync: boolean) => Promise<void>;

/**
 * Group commit: batches handed in while a synced write is in flight are written
 * together in the next one, so concurrent sessions share one fsync. Each caller's
 * promise resolves only after the batch holding its operations is synced (rule 1).
 * Batches are written in the order they were submitted.
 */
export class CommitQueue {
  #pending: Waiter[] = [];
  #writing = false;
  #write: WriteBatch;
  #sync: boolean;

  constructor(write: WriteBatch, sync: boolean) {
    this.#write = write;
    this.#sync = sync;
  }

  commit(ops: BatchOp[]): Promise<void> {
    if (ops.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#pending.push({ ops, resolve, reject });
      if (!this.#writing) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    while (this.#pending.length > 0) {
      const group = this.#pending;
      this.#pending = [];
      try {
        await this.#write(group.flatMap((w) => w.ops), this.#sync);
        for (const w of group) w.resolve();
      } catch (err) {
        for (const w of group) w.reject(err as Error);
      }
    }
    this.#writing = false;
  }
}
