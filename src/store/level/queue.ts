import { newQueueId, queueId } from '../rules/queue-ids.ts';
import type { QueueEntry, QueueId, QueueStore } from '../types.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, locks, put, type LevelCore } from './core.ts';
import { keys, prefixEnd } from './keys.ts';

/** The entry with the given hold state (none when undefined). */
function withHold(entry: QueueEntry, heldAt: number | undefined): QueueEntry {
  const { heldAt: _, ...rest } = entry;
  return heldAt === undefined ? rest : { ...rest, heldAt };
}

/** The outbound queue in LevelDB: an entry record and its body in chunks. */
export class LevelQueue implements QueueStore {
  readonly #core: LevelCore;
  readonly #claims = new Map<QueueId, { holder: string; until: number }>();

  constructor(core: LevelCore) {
    this.#core = core;
  }

  async enqueue(input: Omit<QueueEntry, 'id' | 'size'>, raw: Buffer): Promise<QueueEntry> {
    const id = newQueueId(Date.now());
    const entry: QueueEntry = { ...input, id, size: raw.length };
    const ops: BatchOp[] = [put(keys.queue(id), entry)];
    const size = this.#core.options.chunkSize;
    for (let i = 0; i * size < raw.length; i++) {
      ops.push({ type: 'put', key: keys.queueChunk(id, i), value: raw.subarray(i * size, (i + 1) * size) });
    }
    await this.#core.locks.withLocks([locks.queue], () => this.#core.commit(ops));
    return entry;
  }

  listQueue(): Promise<QueueEntry[]> {
    return this.#core.scan<QueueEntry>(keys.queuePrefix);
  }

  async getQueueEntry(id: QueueId): Promise<QueueEntry | null> {
    return this.#core.get<QueueEntry>(keys.queue(queueId(id)));
  }

  async updateQueueEntry(entry: QueueEntry): Promise<boolean> {
    return this.#core.locks.withLocks([locks.queue], async () => {
      const stored = await this.getQueueEntry(entry.id);
      if (!stored) return false;
      await this.#core.commit([put(keys.queue(entry.id), withHold(entry, stored.heldAt))]);
      return true;
    });
  }

  async holdQueueEntry(id: QueueId, heldAt: number | null): Promise<QueueEntry | null> {
    return this.#core.locks.withLocks([locks.queue], async () => {
      const stored = await this.getQueueEntry(id);
      if (!stored) return null;
      const entry = withHold(stored, heldAt ?? undefined);
      await this.#core.commit([put(keys.queue(stored.id), entry)]);
      return entry;
    });
  }

  async removeQueueEntry(id: QueueId): Promise<boolean> {
    return this.#core.locks.withLocks([locks.queue], async () => {
      if (!(await this.getQueueEntry(id))) return false;
      const chunks = await this.#core.scanKeys(keys.queueChunkPrefix(id));
      await this.#core.commit([del(keys.queue(id)), ...chunks.map(del)]);
      return true;
    });
  }

  /** One process holds a LevelDB store, so the claims are kept in its memory. */
  async claimQueueEntry(id: QueueId, holder: string, until: number): Promise<boolean> {
    const entry = await this.getQueueEntry(id);
    if (!entry || (until > 0 && entry.heldAt !== undefined)) return false;
    const held = this.#claims.get(id);
    if (held && held.holder !== holder && held.until > Date.now()) return false;
    if (until > 0) this.#claims.set(id, { holder, until });
    else this.#claims.delete(id);
    return true;
  }

  async *readQueueMessage(id: QueueId): AsyncGenerator<Buffer> {
    const prefix = keys.queueChunkPrefix(queueId(id));
    for await (const chunk of this.#core.db.values({ gte: prefix, lt: prefixEnd(prefix) })) yield chunk;
  }
}
