import { decode } from './codec.ts';
import { topLevelMembers } from './json-head.ts';
import { keys } from './keys.ts';
import { splitMessageRange } from '../message-range.ts';
import { StoreError, type BlobId, type BlobMeta, type BodyRange, type BodyReader, type MessageMeta } from '../types.ts';

/** The part of classic-level a reader needs. */
export interface ReadDb {
  get(key: string): Promise<Buffer | undefined>;
  getMany(keys: string[]): Promise<(Buffer | undefined)[]>;
}

export interface ReadAheadLimits {
  /** Chunk bytes loaded at a time: a large body is never held whole. */
  maxBytes: number;
  /** Ranges (messages) loaded at a time. */
  maxRanges: number;
}

const messageKey = (message: MessageMeta) => keys.message(message.mailboxId, message.uid);

/** What reading needs of a blob record: not its MIME index, the bulk of it. */
export type BlobHead = Pick<BlobMeta, 'id' | 'size' | 'chunkSize' | 'chunks' | 'headerEnd'>;

const HEAD_FIELDS = ['id', 'size', 'chunkSize', 'chunks', 'headerEnd'] as const;

/**
 * The head of a blob record. The writer puts these members before the index (mail.ts
 * #blobOps), so the scan stops there; `headerEnd` is absent in records written before
 * it was kept, and then the scan reads to the end.
 */
export function blobHead(record: Buffer): BlobHead {
  const head = topLevelMembers(record, HEAD_FIELDS);
  const headerEnd = head.get('headerEnd') as number | undefined;
  return {
    id: head.get('id') as string,
    size: head.get('size') as number,
    chunkSize: head.get('chunkSize') as number,
    chunks: head.get('chunks') as number,
    ...(headerEnd === undefined ? {} : { headerEnd }),
  };
}

/** A blob record whose MIME index is parsed on first use: FETCH BODY[] and RFC822 never use it. */
export function lazyBlob(record: Buffer): BlobMeta {
  let index: BlobMeta['index'] | undefined;
  return Object.defineProperty(blobHead(record), 'index', {
    enumerable: true,
    get: () => (index ??= decode<BlobMeta>(record).index),
  }) as BlobMeta;
}

/**
 * Reads byte ranges of many messages with a few `getMany` calls instead of one
 * point read per record and chunk: when a message of the planned ranges is read,
 * the blob records and chunks of it and the next ranges are loaded together,
 * up to the limits, and the previous window is dropped. Bytes outside the loaded
 * window (past the byte budget, or a message not planned) are read chunk by chunk.
 */
export class LevelBodyReader implements BodyReader {
  readonly #db: ReadDb;
  readonly #ranges: readonly BodyRange[];
  readonly #limits: ReadAheadLimits;
  /** First planned range of each message. */
  readonly #position = new Map<string, number>();
  #window = { from: 0, to: 0 };
  #blobs = new Map<BlobId, BlobHead | null>();
  #chunks = new Map<string, Buffer>();

  constructor(db: ReadDb, ranges: readonly BodyRange[], limits: ReadAheadLimits) {
    this.#db = db;
    this.#ranges = ranges;
    this.#limits = limits;
    for (const [i, range] of ranges.entries()) {
      const key = messageKey(range.message);
      if (!this.#position.has(key)) this.#position.set(key, i);
    }
  }

  async *read(message: MessageMeta, start = 0, end = message.size): AsyncGenerator<Buffer> {
    const { head, body } = splitMessageRange(message, start, end);
    if (head) yield head;
    if (!body) return;
    const blob = await this.#blob(message);
    if (!blob) throw new StoreError('not-found', `message ${message.mailboxId}/${message.uid}: body ${message.blobId} is missing`);
    const { from, to } = body;
    for (const { key, index } of chunksOf({ message, start, end }, blob)) {
      const chunk = this.#chunks.get(key) ?? (await this.#db.get(key));
      if (chunk === undefined) throw new StoreError('not-found', `body ${blob.id}: chunk ${index} is missing`);
      const base = index * blob.chunkSize;
      yield chunk.subarray(Math.max(0, from - base), Math.min(chunk.length, to - base));
    }
  }

  async #blob(message: MessageMeta): Promise<BlobHead | null> {
    const at = this.#position.get(messageKey(message));
    if (at !== undefined && (at < this.#window.from || at >= this.#window.to)) await this.#load(at);
    const known = this.#blobs.get(message.blobId);
    if (known !== undefined) return known;
    const value = await this.#db.get(keys.blob(message.blobId));
    return value === undefined ? null : blobHead(value);
  }

  /** Loads the window starting at range `from`: two `getMany`, one for blob records, one for chunks. */
  async #load(from: number): Promise<void> {
    const ranges = this.#ranges.slice(from, from + this.#limits.maxRanges);
    const blobs = new Map<BlobId, BlobHead | null>();
    for (const range of ranges) if (range.blob) blobs.set(range.message.blobId, range.blob);
    const blobIds = [...new Set(ranges.map((r) => r.message.blobId).filter((id) => !blobs.has(id)))];
    const records = blobIds.length > 0 ? await this.#db.getMany(blobIds.map(keys.blob)) : [];
    for (const [i, id] of blobIds.entries()) blobs.set(id, records[i] === undefined ? null : blobHead(records[i]!));
    const wanted = new Set<string>();
    let bytes = 0;
    let taken = 0;
    for (const range of ranges) {
      const need = chunksOf(range, blobs.get(range.message.blobId) ?? null).filter((c) => !wanted.has(c.key));
      const size = need.reduce((sum, c) => sum + c.size, 0);
      // Later ranges come whole or wait for the next window; the first is cut to the budget.
      if (taken > 0 && bytes + size > this.#limits.maxBytes) break;
      for (const chunk of need) {
        if (wanted.size > 0 && bytes + chunk.size > this.#limits.maxBytes) break;
        wanted.add(chunk.key);
        bytes += chunk.size;
      }
      taken++;
    }
    const chunkKeys = [...wanted];
    const values = await this.#db.getMany(chunkKeys);
    this.#chunks = new Map();
    for (const [i, key] of chunkKeys.entries()) if (values[i] !== undefined) this.#chunks.set(key, values[i]!);
    this.#blobs = blobs;
    this.#window = { from, to: from + taken };
  }
}

/** The chunks holding a range of a message's body (the range counts the per-delivery prefix). */
function chunksOf(range: BodyRange, blob: BlobHead | null): { key: string; index: number; size: number }[] {
  if (!blob) return [];
  const prefixLength = Buffer.byteLength(range.message.prefix);
  const from = Math.max(0, range.start - prefixLength);
  const to = Math.min(range.end, range.message.size) - prefixLength;
  const out: { key: string; index: number; size: number }[] = [];
  for (let i = Math.floor(from / blob.chunkSize); i * blob.chunkSize < to; i++) {
    out.push({ key: keys.chunk(blob.id, i), index: i, size: Math.min(blob.chunkSize, blob.size - i * blob.chunkSize) });
  }
  return out;
}
