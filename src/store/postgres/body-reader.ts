import type { Sql } from 'postgres';
import { splitMessageRange } from '../message-range.ts';
import { StoreError, type BlobId, type BodyRange, type BodyReader, type MessageMeta } from '../types.ts';

/** Chunk bytes fetched per query, ahead or for one large range: a large body is streamed, never held whole. */
const WINDOW_BYTES = 2 << 20;
/** Planned ranges (messages) loaded per read-ahead. */
const WINDOW_RANGES = 256;

type Head = { size: number; chunkSize: number };
type ChunkRow = { blob_id: string; seq: number; data: Buffer };

const chunkKey = (blobId: BlobId, seq: number) => `${blobId}/${seq}`;
const messageKey = (m: MessageMeta) => `${m.mailboxId}/${m.uid}`;

/**
 * Reads messages' bytes: the per-delivery prefix, then the chunk rows of the body that
 * a range covers. When a planned message is read, the bodies' heads and the chunks of
 * it and the next planned ranges are loaded together (two queries, up to the limits),
 * so a FETCH of many small messages costs a few round trips, not two per message;
 * anything outside the loaded window is read a window at a time.
 */
export class PgBodyReader implements BodyReader {
  readonly #sql: Sql<{ int8: number }>;
  readonly #ranges: readonly BodyRange[];
  readonly #position = new Map<string, number>();
  readonly #heads = new Map<BlobId, Head>();
  #window = { from: 0, to: 0 };
  #chunks = new Map<string, Buffer>();

  constructor(sql: Sql<{ int8: number }>, ranges: readonly BodyRange[]) {
    this.#sql = sql;
    this.#ranges = ranges;
    for (const [i, range] of ranges.entries()) {
      if (range.blob) this.#heads.set(range.blob.id, { size: range.blob.size, chunkSize: range.blob.chunkSize });
      if (!this.#position.has(messageKey(range.message))) this.#position.set(messageKey(range.message), i);
    }
  }

  async *read(message: MessageMeta, start = 0, end = message.size): AsyncGenerator<Buffer> {
    const { head: served, body } = splitMessageRange(message, start, end);
    if (served) yield served;
    if (!body) return;
    const at = this.#position.get(messageKey(message));
    if (at !== undefined && (at < this.#window.from || at >= this.#window.to)) await this.#load(at);
    const head = this.#heads.get(message.blobId) ?? (await this.#readHead(message));
    const { from, to } = body;
    const first = Math.floor(from / head.chunkSize);
    const last = Math.ceil(to / head.chunkSize) - 1;
    const perQuery = Math.max(1, Math.floor(WINDOW_BYTES / head.chunkSize));
    for (let seq = first; seq <= last; ) {
      let data = this.#chunks.get(chunkKey(message.blobId, seq));
      const rows: ChunkRow[] = data ? [{ blob_id: message.blobId, seq, data }] : await this.#readChunks(message.blobId, seq, Math.min(last, seq + perQuery - 1));
      for (const row of rows) {
        data = row.data;
        const base = row.seq * head.chunkSize;
        yield data.subarray(Math.max(0, from - base), Math.min(data.length, to - base));
      }
      seq += rows.length;
    }
  }

  async #readHead(message: MessageMeta): Promise<Head> {
    const [row] = await this.#sql<{ size: number; chunk_size: number }[]>`SELECT size, chunk_size FROM blobs WHERE id = ${message.blobId}`;
    if (!row) throw new StoreError('not-found', `message ${message.mailboxId}/${message.uid}: body ${message.blobId} is missing`);
    const head = { size: row.size, chunkSize: row.chunk_size };
    this.#heads.set(message.blobId, head);
    return head;
  }

  async #readChunks(blobId: BlobId, low: number, high: number): Promise<ChunkRow[]> {
    const rows = await this.#sql<ChunkRow[]>`SELECT blob_id, seq, data FROM blob_chunks WHERE blob_id = ${blobId} AND seq BETWEEN ${low} AND ${high} ORDER BY seq`;
    if (rows.length !== high - low + 1) throw new StoreError('not-found', `body ${blobId}: chunks ${low}-${high} are missing`);
    return rows;
  }

  /** Heads, then the chunks of the ranges from `from` on, whole ranges up to the byte budget (the first one at least in part). */
  async #load(from: number): Promise<void> {
    const ranges = this.#ranges.slice(from, from + WINDOW_RANGES);
    const missing = [...new Set(ranges.map((r) => r.message.blobId).filter((id) => !this.#heads.has(id)))];
    if (missing.length > 0) {
      for (const r of await this.#sql<{ id: string; size: number; chunk_size: number }[]>`SELECT id, size, chunk_size FROM blobs WHERE id = ANY(${missing})`) {
        this.#heads.set(r.id, { size: r.size, chunkSize: r.chunk_size });
      }
    }
    const ids: string[] = [];
    const seqs: number[] = [];
    let bytes = 0;
    let taken = 0;
    for (const range of ranges) {
      const head = this.#heads.get(range.message.blobId);
      const body = splitMessageRange(range.message, range.start, range.end).body;
      const need: number[] = [];
      if (head && body) for (let s = Math.floor(body.from / head.chunkSize); s * head.chunkSize < body.to; s++) need.push(s);
      const size = need.reduce((sum, s) => sum + Math.min(head!.chunkSize, head!.size - s * head!.chunkSize), 0);
      if (taken > 0 && bytes + size > WINDOW_BYTES) break;
      for (const s of need) {
        if (ids.length > 0 && bytes >= WINDOW_BYTES) break;
        ids.push(range.message.blobId);
        seqs.push(s);
        bytes += Math.min(head!.chunkSize, head!.size - s * head!.chunkSize);
      }
      taken++;
    }
    const rows =
      ids.length === 0
        ? []
        : await this.#sql<ChunkRow[]>`SELECT c.blob_id, c.seq, c.data FROM blob_chunks c JOIN unnest(${ids}::text[], ${seqs}::int[]) AS w(blob_id, seq) ON c.blob_id = w.blob_id AND c.seq = w.seq`;
    this.#chunks = new Map(rows.map((r) => [chunkKey(r.blob_id, r.seq), r.data]));
    this.#window = { from, to: from + Math.max(1, taken) };
  }
}
