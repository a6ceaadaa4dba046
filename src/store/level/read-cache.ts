import type { BatchOp } from './commit-queue.ts';

/**
 * Records under some key prefixes, kept after the first read (misses too). The
 * store calls forget() with the keys of every batch once it is written, so a
 * change is seen by the next read. A read that was under way while a batch wrote
 * keeps its answer out of the cache: it may predate the write.
 */
export class ReadCache {
  readonly #prefixes: readonly string[];
  readonly #limit: number;
  readonly #values = new Map<string, unknown>();
  /** Counts the batches that touched cached prefixes. */
  #writes = 0;

  constructor(prefixes: readonly string[], limit: number) {
    this.#prefixes = prefixes;
    this.#limit = limit;
  }

  async get<T>(key: string, load: (key: string) => Promise<T | null>): Promise<T | null> {
    if (this.#values.has(key)) return this.#values.get(key) as T | null;
    const writes = this.#writes;
    const value = await load(key);
    if (writes === this.#writes) {
      if (this.#values.size >= this.#limit) this.#values.clear();
      this.#values.set(key, value);
    }
    return value;
  }

  /** Several keys at once: the cached ones from memory, the others in one `loadMany`. */
  async getMany<T>(keys: readonly string[], loadMany: (keys: string[]) => Promise<(T | null)[]>): Promise<(T | null)[]> {
    const missing = keys.filter((k) => !this.#values.has(k));
    if (missing.length > 0) {
      const writes = this.#writes;
      const loaded = await loadMany(missing);
      if (writes === this.#writes) {
        if (this.#values.size + missing.length > this.#limit) this.#values.clear();
        missing.forEach((k, i) => this.#values.set(k, loaded[i]));
      } else {
        // A batch wrote meanwhile: answer from what was read, keep none of it.
        const fresh = new Map(missing.map((k, i) => [k, loaded[i]]));
        return keys.map((k) => (fresh.has(k) ? fresh.get(k)! : (this.#values.get(k) as T | null)));
      }
    }
    return keys.map((k) => this.#values.get(k) as T | null);
  }

  forget(keys: readonly string[]): void {
    let touched = false;
    for (const key of keys) {
      if (!this.#covers(key)) continue;
      this.#values.delete(key);
      touched = true;
    }
    if (touched) this.#writes++;
  }

  /**
   * For a cache of raw values: takes the values of a batch that was written, so
   * that the next read of a key the batch changed needs no lookup either.
   */
  remember(ops: readonly BatchOp[]): void {
    let touched = false;
    for (const op of ops) {
      if (!this.#covers(op.key)) continue;
      if (this.#values.size >= this.#limit) this.#values.clear();
      this.#values.set(op.key, op.type === 'put' ? op.value : null);
      touched = true;
    }
    if (touched) this.#writes++;
  }

  #covers(key: string): boolean {
    return this.#prefixes.some((prefix) => key.startsWith(prefix));
  }
}
