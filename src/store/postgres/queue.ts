import { newQueueId, queueId } from '../rules/queue-ids.ts';
import type { QueueEntry, QueueId, QueueStore } from '../types.ts';
import type { PgCore } from './core.ts';

/** Earliest time any pending recipient is due: what a sending node orders and claims by. */
export const dueAt = (entry: QueueEntry): number => Math.min(Number.MAX_SAFE_INTEGER, ...entry.recipients.filter((r) => r.state === 'pending').map((r) => r.nextAttempt));

interface QueueRow {
  entry: string;
  held_at: string | null;
}

/** An entry as stored, its hold taken from its column (the JSON never holds one). */
function fromRow(row: QueueRow): QueueEntry {
  const { heldAt: _, ...entry } = JSON.parse(row.entry) as QueueEntry;
  return row.held_at === null ? entry : { ...entry, heldAt: Number(row.held_at) };
}

/** The JSON an entry is stored as: without its hold, which only holdQueueEntry writes. */
export function toJson(entry: QueueEntry): string {
  const { heldAt: _, ...rest } = entry;
  return JSON.stringify(rest);
}

/** The outbound queue in PostgreSQL: an entry row and its body in chunk rows. */
export class PgQueue implements QueueStore {
  readonly #core: PgCore;

  constructor(core: PgCore) {
    this.#core = core;
  }

  async enqueue(input: Omit<QueueEntry, 'id' | 'size'>, raw: Buffer): Promise<QueueEntry> {
    const entry: QueueEntry = { ...input, id: newQueueId(Date.now()), size: raw.length };
    const size = this.#core.chunkSize;
    await this.#core.tx(async (tx) => {
      await tx`INSERT INTO queue (id, entry, next_attempt, held_at) VALUES (${entry.id}, ${toJson(entry)}, ${dueAt(entry)}, ${entry.heldAt ?? null})`;
      for (let i = 0; i * size < raw.length; i++) {
        await tx`INSERT INTO queue_chunks (queue_id, seq, data) VALUES (${entry.id}, ${i}, ${raw.subarray(i * size, (i + 1) * size)})`;
      }
    });
    return entry;
  }

  async listQueue(): Promise<QueueEntry[]> {
    return (await this.#core.sql<QueueRow[]>`SELECT entry, held_at FROM queue ORDER BY id`).map(fromRow);
  }

  async getQueueEntry(id: QueueId): Promise<QueueEntry | null> {
    const [row] = await this.#core.sql<QueueRow[]>`SELECT entry, held_at FROM queue WHERE id = ${queueId(id)}`;
    return row ? fromRow(row) : null;
  }

  async updateQueueEntry(entry: QueueEntry): Promise<boolean> {
    const updated = await this.#core.sql`UPDATE queue SET entry = ${toJson(entry)}, next_attempt = ${dueAt(entry)} WHERE id = ${queueId(entry.id)} RETURNING id`;
    return updated.length > 0;
  }

  async holdQueueEntry(id: QueueId, heldAt: number | null): Promise<QueueEntry | null> {
    const [row] = await this.#core.sql<QueueRow[]>`UPDATE queue SET held_at = ${heldAt} WHERE id = ${queueId(id)} RETURNING entry, held_at`;
    return row ? fromRow(row) : null;
  }

  async removeQueueEntry(id: QueueId): Promise<boolean> {
    // The chunks go by ON DELETE CASCADE.
    return (await this.#core.sql`DELETE FROM queue WHERE id = ${queueId(id)} RETURNING id`).length > 0;
  }

  /**
   * A lease on the row: FOR UPDATE SKIP LOCKED, so that of two nodes claiming at once
   * one passes by instead of waiting, and the lease itself (holder, until) so that the
   * claim outlives the transaction: an attempt takes minutes, a transaction should not.
   * A node that dies holding one loses it when it runs out. A held entry is not taken,
   * but a claim on it is still given back.
   */
  async claimQueueEntry(id: QueueId, holder: string, until: number): Promise<boolean> {
    const checked = queueId(id);
    const claimed = await this.#core.sql`
      UPDATE queue SET claimed_by = ${until > 0 ? holder : null}, claimed_until = ${until}
      WHERE id = (SELECT id FROM queue WHERE id = ${checked} AND (${until <= 0} OR held_at IS NULL) AND (claimed_by IS NULL OR claimed_by = ${holder} OR claimed_until < ${Date.now()}) FOR UPDATE SKIP LOCKED)
      RETURNING id`;
    return claimed.length > 0;
  }

  async *readQueueMessage(id: QueueId): AsyncGenerator<Buffer> {
    const checked = queueId(id);
    for (let seq = 0; ; seq += 16) {
      const rows = await this.#core.sql<{ data: Buffer }[]>`SELECT data FROM queue_chunks WHERE queue_id = ${checked} AND seq >= ${seq} AND seq < ${seq + 16} ORDER BY seq`;
      for (const row of rows) yield row.data;
      if (rows.length < 16) return;
    }
  }
}
