import assert from 'node:assert/strict';
import { test } from 'node:test';
import { indexMessage } from '../src/mime/index.ts';
import { binaryPart, sectionRange } from '../src/imap/message-parts.ts';
import type { BlobMeta } from '../src/store/types.ts';

const raw = Buffer.from(
  'Subject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGk=\r\n--b--\r\n',
);
const prefix = 'Return-Path: <a@example.org>\r\n';
const served = Buffer.concat([Buffer.from(prefix), raw]);

/** A blob record as the store hands it out: its index parsed on first use, counted here. */
function blob(headerEnd?: number): { blob: Pick<BlobMeta, 'index' | 'headerEnd'>; parsed: () => number } {
  const { text: _text, ...index } = indexMessage(raw);
  let parsed = 0;
  const record = Object.defineProperty(headerEnd === undefined ? {} : { headerEnd }, 'index', { get: () => (parsed++, index) }) as Pick<BlobMeta, 'index' | 'headerEnd'>;
  return { blob: record, parsed: () => parsed };
}

test('BODY[] and BINARY[] of the whole message never parse the stored index', () => {
  const { blob: b, parsed } = blob();
  assert.deepEqual(sectionRange(b, prefix.length, served.length, [], ''), { start: 0, end: served.length });
  assert.deepEqual(binaryPart(b, prefix.length, served.length, []), { range: { start: 0, end: served.length }, encoding: 'binary' });
  assert.equal(parsed(), 0);
});

test('the range of the top header comes from headerEnd in the record, without the index, and agrees with it', () => {
  const { blob: b } = blob();
  const fromIndex = sectionRange(b, prefix.length, served.length, [], 'HEADER');
  const { blob: kept, parsed } = blob(b.index.root.header.end);
  for (const text of ['HEADER', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT'] as const) assert.deepEqual(sectionRange(kept, prefix.length, served.length, [], text), fromIndex);
  assert.equal(parsed(), 0);
});

test('sections are ranges of the message as served, the prefix inside the top header', () => {
  const { blob: b, parsed } = blob();
  const text = (path: number[], section: '' | 'HEADER' | 'TEXT' | 'MIME') => {
    const range = sectionRange(b, prefix.length, served.length, path, section);
    return range && served.subarray(range.start, range.end).toString();
  };
  assert.ok(text([], 'HEADER')!.startsWith(prefix + 'Subject: parts\r\n'));
  assert.ok(text([], 'TEXT')!.startsWith('--b\r\n'));
  assert.equal(text([1], ''), 'hello');
  assert.equal(text([2], 'MIME'), 'Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n');
  assert.equal(text([3], ''), null);
  assert.equal(text([1], 'HEADER'), null, 'HEADER below the top needs a message/rfc822 part');
  assert.deepEqual(binaryPart(b, prefix.length, served.length, [2])?.encoding, 'base64');
  assert.equal(binaryPart(b, prefix.length, served.length, [2, 1]), null);
  assert.ok(parsed() > 0);
});
