import { crc32 } from 'node:zlib';
import type { ModSeq, Uid } from '../types.ts';

/**
 * One segment of a mailbox index (docs/architecture.md, "Mailbox index"): the
 * messages whose UIDs fall in one fixed range of SEGMENT_UIDS, packed. Pure
 * encoding; mailbox-index.ts reads and writes segments in the store's batches.
 *
 *   byte 0        format version (1)
 *   varint        the segment's number (so a segment under another's key is detected)
 *   varint        number of entries
 *   per entry     varint UID minus the previous UID (the first: minus the range's base),
 *                 varint MODSEQ, varint size, varint flag count, that many varint flag ids
 *   4 bytes       CRC-32 of everything before, big-endian
 *
 * A varint is 7 bits a byte, low group first, the high bit set on all but the last
 * byte, at most 8 bytes (values below 2^53: MODSEQs and sizes are JavaScript numbers).
 */
export const SEGMENT_UIDS = 1024;
const VERSION = 1;
const MAX_VARINT_BYTES = 8;

/** A message as a segment holds it: flags are ids into the mailbox's flag table (flag-table.ts). */
export interface IndexEntry {
  uid: Uid;
  modSeq: ModSeq;
  size: number;
  flags: number[];
}

/** A segment that cannot be read: what store check reports, never a crash. */
export class SegmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SegmentError';
  }
}

/** The segment holding a UID (UIDs start at 1). */
export const segmentOf = (uid: Uid): number => Math.floor((uid - 1) / SEGMENT_UIDS);

/** The UID just below a segment's range: the first entry is stored relative to it. */
const baseOf = (segment: number): Uid => segment * SEGMENT_UIDS;

/** Entries must be in ascending UID order, all inside the segment's range. */
export function encodeSegment(segment: number, entries: readonly IndexEntry[]): Buffer {
  const out = new Writer(8 + entries.length * 8);
  out.byte(VERSION);
  out.varint(segment);
  out.varint(entries.length);
  let previous = baseOf(segment);
  for (const entry of entries) {
    if (entry.uid <= previous || segmentOf(entry.uid) !== segment) throw new RangeError(`uid ${entry.uid} out of order or outside segment ${segment}`);
    out.varint(entry.uid - previous);
    out.varint(entry.modSeq);
    out.varint(entry.size);
    out.varint(entry.flags.length);
    for (const id of entry.flags) out.varint(id);
    previous = entry.uid;
  }
  return out.finish();
}

/**
 * The entries of a segment, checked against everything the format promises: the
 * checksum, the version, UIDs ascending inside the range, flag ids known to the
 * table (`flagCount` ids exist), no byte left over. Throws SegmentError otherwise.
 */
export function decodeSegment(segment: number, buf: Buffer, flagCount: number): IndexEntry[] {
  if (buf.length < 7) throw new SegmentError(`segment ${segment}: ${buf.length} bytes, too short`);
  const bodyEnd = buf.length - 4;
  if (crc32(buf.subarray(0, bodyEnd)) !== buf.readUInt32BE(bodyEnd)) throw new SegmentError(`segment ${segment}: checksum mismatch`);
  const reader = new Reader(buf, bodyEnd, segment);
  const version = reader.byte();
  if (version !== VERSION) throw new SegmentError(`segment ${segment}: unknown format version ${version}`);
  const named = reader.varint();
  if (named !== segment) throw new SegmentError(`segment ${segment}: holds segment ${named}`);
  const count = reader.varint();
  if (count > SEGMENT_UIDS) throw new SegmentError(`segment ${segment}: ${count} entries, more than its ${SEGMENT_UIDS} UIDs`);
  const entries: IndexEntry[] = new Array(count);
  const last = baseOf(segment + 1);
  let uid = baseOf(segment);
  for (let i = 0; i < count; i++) {
    const delta = reader.varint();
    uid += delta;
    if (delta === 0 || uid > last) throw new SegmentError(`segment ${segment}: entry ${i} has uid ${uid}, out of order or outside the segment`);
    const modSeq = reader.varint();
    const size = reader.varint();
    const flagTotal = reader.varint();
    if (flagTotal > flagCount) throw new SegmentError(`segment ${segment}: uid ${uid} has ${flagTotal} flags, the table ${flagCount}`);
    const flags: number[] = new Array(flagTotal);
    for (let f = 0; f < flagTotal; f++) {
      const id = reader.varint();
      if (id >= flagCount) throw new SegmentError(`segment ${segment}: uid ${uid} has flag id ${id}, unknown to the flag table`);
      flags[f] = id;
    }
    entries[i] = { uid, modSeq, size, flags };
  }
  if (reader.offset !== bodyEnd) throw new SegmentError(`segment ${segment}: ${bodyEnd - reader.offset} bytes after the last entry`);
  return entries;
}

class Writer {
  #buf: Buffer;
  #at = 0;

  constructor(size: number) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  byte(value: number): void {
    this.#room(1);
    this.#buf[this.#at++] = value;
  }

  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`not a varint: ${value}`);
    this.#room(MAX_VARINT_BYTES);
    // Division, not shifts: shifts would cut values to 32 bits.
    while (value >= 0x80) {
      this.#buf[this.#at++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    this.#buf[this.#at++] = value;
  }

  finish(): Buffer {
    this.#room(4);
    const crc = crc32(this.#buf.subarray(0, this.#at));
    this.#buf.writeUInt32BE(crc, this.#at);
    return Buffer.from(this.#buf.subarray(0, this.#at + 4));
  }

  #room(bytes: number): void {
    if (this.#at + bytes <= this.#buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#at + bytes));
    this.#buf.copy(grown, 0, 0, this.#at);
    this.#buf = grown;
  }
}

class Reader {
  readonly #buf: Buffer;
  readonly #end: number;
  readonly #segment: number;
  offset = 0;

  constructor(buf: Buffer, end: number, segment: number) {
    this.#buf = buf;
    this.#end = end;
    this.#segment = segment;
  }

  byte(): number {
    if (this.offset >= this.#end) throw new SegmentError(`segment ${this.#segment}: truncated`);
    return this.#buf[this.offset++]!;
  }

  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (!Number.isSafeInteger(value)) throw new SegmentError(`segment ${this.#segment}: number too large`);
        return value;
      }
      scale *= 0x80;
    }
    throw new SegmentError(`segment ${this.#segment}: a number longer than ${MAX_VARINT_BYTES} bytes`);
  }
}
