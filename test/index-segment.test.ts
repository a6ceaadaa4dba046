import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from 'node:zlib';
import { FlagTable } from '../src/store/level/flag-table.ts';
import { decodeSegment, encodeSegment, SEGMENT_UIDS, SegmentError, segmentOf, type IndexEntry } from '../src/store/level/index-segment.ts';

/** A segment's body with a correct checksum: what a hostile writer could craft. */
function sealed(body: number[]): Buffer {
  const buf = Buffer.from(body);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(buf));
  return Buffer.concat([buf, crc]);
}

const entries: IndexEntry[] = [
  { uid: 1025, modSeq: 1, size: 0, flags: [] },
  { uid: 1026, modSeq: 2 ** 40, size: 4096, flags: [0, 3, 7] },
  { uid: 2048, modSeq: Number.MAX_SAFE_INTEGER, size: 50 * 2 ** 20, flags: [7] },
];

test('a segment decodes to what was encoded, large numbers included', () => {
  assert.equal(segmentOf(1), 0);
  assert.equal(segmentOf(SEGMENT_UIDS), 0);
  assert.equal(segmentOf(SEGMENT_UIDS + 1), 1);
  const buf = encodeSegment(1, entries);
  assert.deepEqual(decodeSegment(1, buf, 8), entries);
  assert.deepEqual(decodeSegment(0, encodeSegment(0, []), 5), []);
  // Packed: a message with no keyword costs a handful of bytes, not a JSON record.
  const full = Array.from({ length: SEGMENT_UIDS }, (_, i): IndexEntry => ({ uid: i + 1, modSeq: 100_000 + i, size: 4200, flags: i % 2 ? [0] : [] }));
  const packed = encodeSegment(0, full);
  assert.ok(packed.length < SEGMENT_UIDS * 9, `${packed.length} bytes for ${SEGMENT_UIDS} entries`);
  assert.deepEqual(decodeSegment(0, packed, 5), full);
});

test('encoding refuses entries out of order or outside the segment', () => {
  assert.throws(() => encodeSegment(0, [{ uid: 2, modSeq: 1, size: 1, flags: [] }, { uid: 2, modSeq: 1, size: 1, flags: [] }]), RangeError);
  assert.throws(() => encodeSegment(0, [{ uid: SEGMENT_UIDS + 1, modSeq: 1, size: 1, flags: [] }]), RangeError);
  assert.throws(() => encodeSegment(1, [{ uid: 5, modSeq: 1, size: 1, flags: [] }]), RangeError);
  assert.throws(() => encodeSegment(0, [{ uid: 1, modSeq: -1, size: 1, flags: [] }]), RangeError);
});

test('every truncation and every flipped bit of a segment is detected, never a crash', () => {
  const buf = encodeSegment(1, entries);
  for (let length = 0; length < buf.length; length++) assert.throws(() => decodeSegment(1, buf.subarray(0, length), 8), SegmentError, `truncated to ${length}`);
  for (let byte = 0; byte < buf.length; byte++) {
    for (let bit = 0; bit < 8; bit++) {
      const bad = Buffer.from(buf);
      bad[byte]! ^= 1 << bit;
      assert.throws(() => decodeSegment(1, bad, 8), SegmentError, `byte ${byte} bit ${bit}`);
    }
  }
  // Read as another segment, its UIDs are out of range.
  assert.throws(() => decodeSegment(2, buf, 8), SegmentError);
  assert.throws(() => decodeSegment(0, buf, 8), SegmentError);
});

test('a segment with a valid checksum but a broken structure is refused', () => {
  const cases: [string, number[], RegExp][] = [
    ['another segment\'s', [1, 3, 0], /holds segment 3/],
    ['unknown version', [2, 0, 0], /version 2/],
    ['entries past the body', [1, 0, 1], /truncated/],
    ['more entries than UIDs', [1, 0, 0x81, 0x08], /more than its/],
    ['a repeated UID (delta 0)', [1, 0, 2, 1, 1, 1, 0, 0, 1, 1, 0], /out of order/],
    ['a UID past the segment', [1, 0, 1, 0x81, 0x08, 1, 1, 0], /outside the segment/],
    ['a flag id unknown to the table', [1, 0, 1, 1, 1, 1, 1, 12], /unknown to the flag table/],
    ['more flags than the table has', [1, 0, 1, 1, 1, 1, 0x7f], /flags, the table/],
    ['a number longer than 8 bytes', [1, 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 1, 0], /longer than/],
    ['a number above 2^53', [1, 0, 1, 1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 0], /too large/],
    ['bytes after the last entry', [1, 0, 1, 1, 1, 1, 0, 0], /bytes after/],
  ];
  for (const [what, body, message] of cases) assert.throws(() => decodeSegment(0, sealed(body), 10), message, what);
});

test('random bytes never crash the decoder', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let i = 0; i < 2000; i++) {
    const body = Array.from({ length: Math.floor(random() * 40) }, () => Math.floor(random() * 256));
    if (body.length > 1) [body[0], body[1]] = [1, 0];
    try {
      const decoded = decodeSegment(0, sealed(body), 6);
      for (const e of decoded) assert.ok(e.uid >= 1 && e.uid <= SEGMENT_UIDS && e.flags.every((f) => f < 6));
    } catch (err) {
      assert.ok(err instanceof SegmentError, String(err));
    }
  }
});

test('the flag table: fixed system ids, keywords added in order, hostile records refused', () => {
  const table = FlagTable.empty();
  assert.equal(table.idOf('\\Seen'), 0);
  assert.equal(table.idOf('\\Draft'), 4);
  assert.equal(table.changed, false);
  assert.equal(table.idOf('$Label'), 5);
  assert.equal(table.idOf('$label'), 6, 'spelling is kept: the store compares case-insensitively, the table exactly');
  assert.equal(table.changed, true);
  assert.deepEqual(table.keywords, ['$Label', '$label']);
  const again = FlagTable.decode(table.keywords);
  assert.deepEqual(again.namesOf([5, 0, 6]), ['$Label', '\\Seen', '$label']);
  for (const bad of [null, {}, 'x', [1], [''], ['a', 'a'], ['\\Seen']]) assert.throws(() => FlagTable.decode(bad), SegmentError, JSON.stringify(bad));
});
