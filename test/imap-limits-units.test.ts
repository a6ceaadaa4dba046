import assert from 'node:assert/strict';
import { test } from 'node:test';
import { limitCode } from '../src/imap/message-limit.ts';
import { ParseError, Parser } from '../src/imap/parser.ts';
import { parseSearch } from '../src/imap/search-query.ts';
import { searchedUids } from '../src/imap/search-scope.ts';
import { batchesRefusal, batchRanges, parseUidBatches } from '../src/imap/uid-batches.ts';

const parser = (text: string) => new Parser(Buffer.from(text));

test('UIDBATCHES arguments: a batch size and an optional batch range, 32-bit non-zero numbers, nothing else', () => {
  assert.deepEqual(parseUidBatches(parser(' 500')), { size: 500, range: null });
  assert.deepEqual(parseUidBatches(parser(' 2000 10:20')), { size: 2000, range: { first: 10, last: 20 } });
  // A reversed range parses; the command answers it BAD [CLIENTBUG] (RFC 10022 3.1.5).
  assert.deepEqual(parseUidBatches(parser(' 500 4:1')), { size: 500, range: { first: 4, last: 1 } });
  assert.deepEqual(parseUidBatches(parser(' 4294967295 4294967295:4294967295')), { size: 4294967295, range: { first: 4294967295, last: 4294967295 } });
  for (const bad of ['', ' ', ' 0', ' -1', ' 4294967296', ' 1e3', ' 500 1', ' 500 1:', ' 500 0:2', ' 500 2:0', ' 500 1:*', ' 500 *:1', ' 500 1:2 ', ' 500 1:2,3:4', ' 500 1:2 3:4', '  500', ' 500  1:2', ' "500"', ' 99999999999999999999'])
    assert.throws(() => parseUidBatches(parser(bad)), ParseError, JSON.stringify(bad));
});

test('UIDBATCHES ranges: newest first, high:low, the last batch ending at UID 1, batch numbers past the end give nothing', () => {
  const uids = [3, 5, 8, 9, 12, 20, 21];
  assert.deepEqual(batchRanges(uids, 3), ['21:12', '9:5', '3:1']);
  assert.deepEqual(batchRanges(uids, 2), ['21:20', '12:9', '8:5', '3:1']);
  assert.deepEqual(batchRanges(uids, 7), ['21:1']);
  assert.deepEqual(batchRanges(uids, 100), ['21:1']);
  assert.deepEqual(batchRanges(uids, 2, 2, 3), ['12:9', '8:5']);
  assert.deepEqual(batchRanges(uids, 2, 4, 4), ['3:1']);
  assert.deepEqual(batchRanges(uids, 2, 5, 4294967295), []);
  assert.deepEqual(batchRanges([], 500), []);
  assert.deepEqual(batchRanges([7], 500), ['7:1']);
  // The example of RFC 10022 3.1.5: 100,000 messages, batches 10 to 20 of 2,000 are message numbers 82000:80001 to 62000:60001.
  const big = Array.from({ length: 100_000 }, (_, i) => i + 1);
  const ranges = batchRanges(big, 2000, 10, 20);
  assert.equal(ranges.length, 11);
  assert.equal(ranges[0], '82000:80001');
  assert.equal(ranges.at(-1), '62000:60001');
});

test('UIDBATCHES refusals: CLIENTBUG before TOOFEW before TOOMANY; without a range only a mailbox over 100,000 messages is too many', () => {
  const code = (size: number, range: { first: number; last: number } | null, exists: number) => {
    const refusal = batchesRefusal({ size, range }, exists);
    return refusal && `${refusal.status} ${refusal.code}`;
  };
  assert.equal(code(1, { first: 2, last: 1 }, 10), 'BAD CLIENTBUG');
  assert.equal(code(499, null, 10), 'NO TOOFEW');
  assert.equal(code(500, null, 100_000), null);
  assert.equal(code(500, null, 100_001), 'NO TOOMANY');
  assert.equal(code(500, { first: 1, last: 200 }, 10_000_000), null);
  assert.equal(code(500, { first: 1, last: 201 }, 10), 'NO TOOMANY');
  assert.equal(code(100_000, { first: 4294967295, last: 4294967295 }, 0), null);
  assert.equal(code(4294967295, { first: 1, last: 4294967295 }, 0), 'NO TOOMANY');
});

test('UIDAFTER and UIDBEFORE (RFC 9738 3.2) parse as UID bounds; a bad UID is a parse error', () => {
  assert.deepEqual(parseSearch(parser(' UIDAFTER 25000 UNDELETED')).key, { type: 'and', keys: [{ type: 'uidbound', op: 'after', uid: 25000 }, { type: 'flag', flag: '\\Deleted', set: false }] });
  assert.deepEqual(parseSearch(parser(' uidbefore 1')).key, { type: 'uidbound', op: 'before', uid: 1 });
  for (const bad of [' UIDAFTER', ' UIDAFTER 0', ' UIDBEFORE -2', ' UIDAFTER 4294967296', ' UIDBEFORE $', ' UIDAFTER 1:2', ' UIDAFTER  5'])
    assert.throws(() => parseSearch(parser(bad)), ParseError, JSON.stringify(bad));
});

test('the messages a search looks at: its top-level sets, UID bounds and $ narrow them; other keys, OR and NOT do not', () => {
  const uids = [2, 4, 6, 8, 10];
  const scope = (text: string, saved: number[] = []) => searchedUids(parseSearch(parser(` ${text}`)).key, uids, new Set(saved));
  assert.deepEqual(scope('ALL'), uids);
  assert.deepEqual(scope('UNSEEN FROM bob'), uids);
  assert.deepEqual(scope('UID 3:8'), [4, 6, 8]);
  assert.deepEqual(scope('2:3'), [4, 6]);
  assert.deepEqual(scope('*'), [10]);
  assert.deepEqual(scope('UID 9:* DELETED'), [10]);
  assert.deepEqual(scope('UIDAFTER 4 UIDBEFORE 10'), [6, 8]);
  assert.deepEqual(scope('(UID 1:6 (2:5))'), [4, 6]);
  assert.deepEqual(scope('$', [4, 8, 99]), [4, 8]);
  assert.deepEqual(scope('OR UID 2 UID 4'), uids);
  assert.deepEqual(scope('NOT UID 2'), uids);
  assert.deepEqual(searchedUids(parseSearch(parser(' UID 1:*')).key, [], new Set()), []);
});

test('the MESSAGELIMIT response code: the limit, and the lowest UID done when there is one (RFC 9738 section 5)', () => {
  assert.equal(limitCode(1000, 23221), 'MESSAGELIMIT 1000 23221');
  assert.equal(limitCode(1000), 'MESSAGELIMIT 1000');
});
