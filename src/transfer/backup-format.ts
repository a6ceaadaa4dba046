import { hash } from 'node:crypto';
import { promisify } from 'node:util';
import { crc32, zstdCompress, zstdDecompress } from 'node:zlib';
import type { RecordChange, RecordKind, StoreRecord } from '../store/records.ts';

/**
 * The backup file (docs/backup.md): the magic, then frames. A frame is a kind byte, the
 * payload's length and CRC-32 (both u32, big-endian), then the payload:
 *   H  the header, JSON (format, full or incremental, id, base id, backend, layout)
 *   D  records, zstd-compressed: op (1 put, 2 delete), key, and for a put the value and
 *      its SHA-256 (first 16 bytes)
 *   I  the index, zstd-compressed: every key of the store at backup time with its value's
 *      hash, in key order; the next incremental backup compares against it
 *   M  the manifest, JSON (counts, totals), always the last frame: without it a file is
 *      incomplete
 */
export const MAGIC = Buffer.from('MFBACKUP');
export const FORMAT = 1;
export const FRAME_HEAD = 9;
/** A block is flushed at this many raw bytes (or with one larger record alone). */
export const BLOCK_BYTES = 1 << 20;
/** Larger frames are corruption, not data: no record of ours comes near it. */
export const MAX_FRAME = 256 << 20;
export const HASH_BYTES = 16;

export type FrameKind = 'H' | 'D' | 'I' | 'M';
const KIND_BYTES: Record<FrameKind, number> = { H: 0x48, D: 0x44, I: 0x49, M: 0x4d };

export interface BackupHeader {
  format: number;
  kind: 'full' | 'incremental';
  id: string;
  /** The backup this one holds the changes since (incremental), or null. */
  base: string | null;
  createdAt: string;
  backend: string;
  layout: number;
  compression: 'zstd';
}

export interface BackupManifest {
  /** The store at backup time (an incremental counts the whole store too). */
  counts: Partial<Record<RecordKind, number>>;
  /** Records in the store at backup time: the index's length. */
  records: number;
  /** Records written in this file, and deletions (incremental only). */
  puts: number;
  deletes: number;
  valueBytes: number;
  dataBlocks: number;
  indexBlocks: number;
  finishedAt: string;
}

/** A file that is not a complete, intact backup; the message says where. */
export class BackupError extends Error {
  readonly code: 'corrupt' | 'exists' | 'chain' | 'interrupted' | 'invalid';
  constructor(code: BackupError['code'], message: string) {
    super(message);
    this.code = code;
    this.name = 'BackupError';
  }
}

export const recordHash = (value: Buffer): Buffer => hash('sha256', value, 'buffer').subarray(0, HASH_BYTES);

export function frameHead(kind: FrameKind, payload: Buffer): Buffer {
  const head = Buffer.alloc(FRAME_HEAD);
  head[0] = KIND_BYTES[kind];
  head.writeUInt32BE(payload.length, 1);
  head.writeUInt32BE(crc32(payload), 5);
  return head;
}

/** Reads a frame head; the payload's CRC is checked by `checkPayload` once it is read. */
export function parseFrameHead(head: Buffer, at: number): { kind: FrameKind; length: number; crc: number } {
  const kind = (Object.keys(KIND_BYTES) as FrameKind[]).find((k) => KIND_BYTES[k] === head[0]);
  const length = head.readUInt32BE(1);
  if (!kind || length > MAX_FRAME) throw new BackupError('corrupt', `corrupt frame at byte ${at}`);
  return { kind, length, crc: head.readUInt32BE(5) };
}

export function checkPayload(payload: Buffer, crc: number, at: number): void {
  if (crc32(payload) !== crc) throw new BackupError('corrupt', `checksum mismatch in the frame at byte ${at}`);
}

const compress = promisify(zstdCompress);
const decompress = promisify(zstdDecompress);

export const packBlock = (raw: Buffer): Promise<Buffer> => compress(raw);

export async function unpackBlock(payload: Buffer, at: number): Promise<Buffer> {
  try {
    return await decompress(payload, { maxOutputLength: MAX_FRAME });
  } catch (err) {
    throw new BackupError('corrupt', `cannot decompress the block at byte ${at}: ${(err as Error).message}`);
  }
}

/**
 * Builds a block's raw bytes record by record, copying each into its own buffer: a key
 * or value may be a view into a whole received batch, which a block that fills slowly
 * (an incremental backup's few changes) would otherwise keep alive.
 */
export class BlockBuilder {
  #buffer = Buffer.alloc(BLOCK_BYTES + 64 * 1024);
  bytes = 0;
  count = 0;

  #push(...parts: Buffer[]): void {
    for (const part of parts) {
      if (this.bytes + part.length > this.#buffer.length) {
        const larger = Buffer.alloc(Math.max(this.#buffer.length * 2, this.bytes + part.length));
        this.#buffer.copy(larger, 0, 0, this.bytes);
        this.#buffer = larger;
      }
      this.bytes += part.copy(this.#buffer, this.bytes);
    }
  }

  put(key: Buffer, value: Buffer, valueHash: Buffer): void {
    this.#push(lengthPrefix(1, key), key, u32(value.length), value, valueHash);
    this.count++;
  }

  del(key: Buffer): void {
    this.#push(lengthPrefix(2, key), key);
    this.count++;
  }

  entry(key: Buffer, valueHash: Buffer): void {
    this.#push(u32(key.length), key, valueHash);
    this.count++;
  }

  /** The block's bytes (a copy), and the builder empty again at its usual size. */
  take(): Buffer {
    const raw = Buffer.from(this.#buffer.subarray(0, this.bytes));
    if (this.#buffer.length > BLOCK_BYTES * 2) this.#buffer = Buffer.alloc(BLOCK_BYTES + 64 * 1024);
    this.bytes = 0;
    this.count = 0;
    return raw;
  }
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
}

function lengthPrefix(op: number, key: Buffer): Buffer {
  const b = Buffer.alloc(5);
  b[0] = op;
  b.writeUInt32BE(key.length, 1);
  return b;
}

/** Reads fields off a raw block, refusing to run past its end. */
class Cursor {
  #at = 0;
  readonly raw: Buffer;
  readonly where: number;

  constructor(raw: Buffer, where: number) {
    this.raw = raw;
    this.where = where;
  }

  get done(): boolean {
    return this.#at >= this.raw.length;
  }

  bytes(n: number): Buffer {
    if (this.#at + n > this.raw.length) throw new BackupError('corrupt', `truncated record in the block at byte ${this.where}`);
    const out = this.raw.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }

  u8 = () => this.bytes(1)[0]!;
  u32 = () => this.bytes(4).readUInt32BE(0);
}

/** The changes of a data block, each put's value checked against its hash. */
export function parseData(raw: Buffer, where: number): RecordChange[] {
  const cursor = new Cursor(raw, where);
  const changes: RecordChange[] = [];
  while (!cursor.done) {
    const op = cursor.u8();
    const key = cursor.bytes(cursor.u32());
    if (op === 2) {
      changes.push({ key, value: null });
      continue;
    }
    if (op !== 1) throw new BackupError('corrupt', `unknown record type ${op} in the block at byte ${where}`);
    const value = cursor.bytes(cursor.u32());
    if (!recordHash(value).equals(cursor.bytes(HASH_BYTES))) {
      throw new BackupError('corrupt', `record ${JSON.stringify(key.toString('utf8'))} does not match its checksum (block at byte ${where})`);
    }
    changes.push({ key, value });
  }
  return changes;
}

/** Records as they travel from the server to the CLI: key and value, length-prefixed. */
export function encodeRecords(records: StoreRecord[]): Buffer {
  const parts: Buffer[] = [];
  for (const { key, value } of records) parts.push(u32(key.length), key, u32(value.length), value);
  return Buffer.concat(parts);
}

export function decodeRecords(raw: Buffer): StoreRecord[] {
  const cursor = new Cursor(raw, 0);
  const records: StoreRecord[] = [];
  while (!cursor.done) records.push({ key: cursor.bytes(cursor.u32()), value: cursor.bytes(cursor.u32()) });
  return records;
}

export interface IndexEntry {
  key: Buffer;
  hash: Buffer;
}

export function parseIndex(raw: Buffer, where: number): IndexEntry[] {
  const cursor = new Cursor(raw, where);
  const entries: IndexEntry[] = [];
  while (!cursor.done) entries.push({ key: cursor.bytes(cursor.u32()), hash: cursor.bytes(HASH_BYTES) });
  return entries;
}
