import type { IndexEntry } from './backup-format.ts';
import type { BackupReader } from './backup-reader.ts';

/**
 * Walks an earlier backup's index (every key it held, in key order) alongside the
 * store's records, which come in the same order: one block in memory at a time.
 */
export class IndexCursor {
  readonly #reader: BackupReader;
  #entries: IndexEntry[] = [];
  #at = 0;
  #done = false;

  constructor(reader: BackupReader) {
    this.#reader = reader;
  }

  async #peek(): Promise<IndexEntry | null> {
    while (this.#at >= this.#entries.length && !this.#done) {
      const frame = await this.#reader.next(['I']);
      this.#entries = frame ? await this.#reader.indexBlock(frame) : [];
      this.#done = frame === null;
      this.#at = 0;
    }
    return this.#entries[this.#at] ?? null;
  }

  /** The earlier keys that sort before `key` (all that are left, for null): deleted since. */
  async takeBefore(key: Buffer | null): Promise<Buffer[]> {
    const gone: Buffer[] = [];
    for (let entry = await this.#peek(); entry && (key === null || Buffer.compare(entry.key, key) < 0); entry = await this.#peek()) {
      gone.push(entry.key);
      this.#at++;
    }
    return gone;
  }

  /** The earlier hash of `key`, or null when the earlier backup did not have it. */
  async take(key: Buffer): Promise<Buffer | null> {
    const entry = await this.#peek();
    if (!entry || !entry.key.equals(key)) return null;
    this.#at++;
    return entry.hash;
  }
}
