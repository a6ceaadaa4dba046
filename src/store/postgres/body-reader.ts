import type { Sql } from 'postgres';
import { splitMessageRange } from '../message-range.ts';
import { StoreError, type BlobId, type BodyRange, type BodyReader, type MessageMeta } from '../types.ts';

/** Chunk bytes fetched per query: a large body is streamed, never held whole. */
const WINDOW_BYTES = 1 << 20;

type Head = { size: number; chunkSize: number };

/**
 * Reads a message's bytes: its per-delivery prefix, then the chunk rows of its body
 * that the range covers, a window at a time. Blob heads the caller planned (`blob`
 * in the ranges) are not read again.
 */
export class PgBodyReader implements BodyReader {
  readonly #sql: Sql<{ int8: number }>;
  readonly #heads = new Map<BlobId, Head>();

  constructor(sql: Sql<{ int8: number }>, ranges: readonly BodyRange[]) {
    this.#sql = sql;
    for (const range of ranges) if (range.blob) this.#heads.set(range.blob.id, { size: range.blob.size, chunkSize: range.blob.chunkSize });
  }

  async *read(message: MessageMeta, start = 0, end = message.size): AsyncGenerator<Buffer> {
    const { head: served, body } = splitMessageRange(message, start, end);
    if (served) yield served;
    if (!body) return;
    const head = await this.#head(message);
    const { from, to } = body;
    const first = Math.floor(from / head.chunkSize);
    const last = Math.ceil(to / head.chunkSize) - 1;
    const perWindow = Math.max(1, Math.floor(WINDOW_BYTES / head.chunkSize));
    for (let low = first; low <= last; low += perWindow) {
      const high = Math.min(last, low + perWindow - 1);
      const rows = await this.#sql<{ seq: number; data: Buffer }[]>`
        SELECT seq, data FROM blob_chunks WHERE blob_id = ${message.blobId} AND seq BETWEEN ${low} AND ${high} ORDER BY seq`;
      if (rows.length !== high - low + 1) throw new StoreError('not-found', `body ${message.blobId}: chunks ${low}-${high} are missing`);
      for (const { seq, data } of rows) {
        const base = seq * head.chunkSize;
        yield data.subarray(Math.max(0, from - base), Math.min(data.length, to - base));
      }
    }
  }

  async #head(message: MessageMeta): Promise<Head> {
    const known = this.#heads.get(message.blobId);
    if (known) return known;
    const [row] = await this.#sql<{ size: number; chunk_size: number }[]>`SELECT size, chunk_size FROM blobs WHERE id = ${message.blobId}`;
    if (!row) throw new StoreError('not-found', `message ${message.mailboxId}/${message.uid}: body ${message.blobId} is missing`);
    const head = { size: row.size, chunkSize: row.chunk_size };
    this.#heads.set(message.blobId, head);
    return head;
  }
}
