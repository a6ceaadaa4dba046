/**
 * Named async mutexes. A writer holds the locks of everything it reads and then
 * rewrites (an account's mailboxes, the blob reference sets) until its batch is
 * synced, so the next writer always reads committed state. Locks are taken in
 * sorted order by `withLocks` to rule out deadlock.
 */
export class LockSet {
  #tails = new Map<string, Promise<void>>();

  async withLocks<T>(names: string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(names)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const name of sorted) releases.push(await this.#acquire(name));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  async #acquire(name: string): Promise<() => void> {
    const previous = this.#tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.#tails.set(name, tail);
    await previous;
    return () => {
      release();
      if (this.#tails.get(name) === tail) this.#tails.delete(name);
    };
  }
}
