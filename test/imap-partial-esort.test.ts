import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePartialRange, partialSlice } from '../src/imap/partial-range.ts';
import { ParseError, Parser } from '../src/imap/parser.ts';
import { parseSort } from '../src/imap/sort-query.ts';
import { orderedSet } from '../src/imap/sequence-set.ts';
import { assertAllBad, selectedWithGaps } from './helpers/imap-inbox.ts';

const parser = (text: string) => new Parser(Buffer.from(text));

test('PARTIAL ranges parse and slice by position', () => {
  assert.deepEqual(parsePartialRange(parser('1:100')), { fromEnd: false, low: 1, high: 100, text: '1:100' });
  assert.deepEqual(parsePartialRange(parser('-5:-2')), { fromEnd: true, low: 2, high: 5, text: '-5:-2' });
  assert.deepEqual(parsePartialRange(parser('4294967295:1')), { fromEnd: false, low: 1, high: 4294967295, text: '4294967295:1' });
  for (const bad of ['0:5', '1:0', '1:*', '*:1', '-1:5', '1:-5', '5', '-0:-1', '1:4294967296', '-1:-4294967296', '"1:5"', ':', '-:-'])
    assert.throws(() => parsePartialRange(parser(bad)), ParseError, bad);
  const all = [10, 20, 30, 40, 50];
  const slice = (text: string) => partialSlice(all, parsePartialRange(parser(text)));
  assert.deepEqual(slice('1:2'), [10, 20]);
  assert.deepEqual(slice('4:9'), [40, 50]);
  assert.deepEqual(slice('6:9'), []);
  assert.deepEqual(slice('-1:-2'), [40, 50]);
  assert.deepEqual(slice('-2:-1'), [40, 50]);
  assert.deepEqual(slice('-4:-100'), [10, 20]);
  assert.deepEqual(slice('-6:-100'), []);
  assert.deepEqual(slice('1:4294967295'), all);
  assert.deepEqual(slice('-1:-4294967295'), all);
  assert.equal(orderedSet([6, 5, 4, 2, 3, 4, 9]), '6,5,4,2:4,9');
  assert.equal(orderedSet([]), '');
});

test('ESORT arguments: RETURN before the criteria only', () => {
  const q = parseSort(parser(' RETURN (MIN PARTIAL -1:-10) (REVERSE DATE) UTF-8 ALL'));
  assert.deepEqual(q.returns, { options: ['MIN', 'PARTIAL'], partial: { fromEnd: true, low: 1, high: 10, text: '-1:-10' } });
  assert.equal(parseSort(parser(' (DATE) UTF-8 ALL')).returns, null);
  assert.deepEqual(parseSort(parser(' RETURN () (DATE) UTF-8 ALL')).returns, { options: ['ALL'], partial: null });
  for (const bad of [' RETURN (BOGUS) (DATE) UTF-8 ALL', ' (DATE) UTF-8 RETURN (MIN) ALL', ' RETURN (ALL PARTIAL 1:2) (DATE) UTF-8 ALL', ' RETURN (MIN) UTF-8 ALL', ' RETURN(MIN) (DATE) UTF-8 ALL'])
    assert.throws(() => parseSort(parser(bad)), ParseError, bad);
});

test('SEARCH RETURN (PARTIAL): pages from either end, NIL past the end, SAVE keeps the page', async (t) => {
  const { c } = await selectedWithGaps(t);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, /^\* CAPABILITY .* PARTIAL .*ESORT/);
  assert.deepEqual(await c.command('p1', 'UID SEARCH RETURN (PARTIAL 1:2) ALL'), ['* ESEARCH (TAG "p1") UID PARTIAL (1:2 2,4)', 'p1 OK SEARCH completed']);
  assert.deepEqual(await c.command('p2', 'UID SEARCH RETURN (PARTIAL -1:-3) ALL'), ['* ESEARCH (TAG "p2") UID PARTIAL (-1:-3 4:6)', 'p2 OK SEARCH completed']);
  assert.deepEqual(await c.command('p3', 'SEARCH RETURN (PARTIAL 3:100 COUNT) ALL'), ['* ESEARCH (TAG "p3") COUNT 4 PARTIAL (3:100 3:4)', 'p3 OK SEARCH completed']);
  assert.deepEqual(await c.command('p4', 'SEARCH RETURN (PARTIAL 5:10) ALL'), ['* ESEARCH (TAG "p4") PARTIAL (5:10 NIL)', 'p4 OK SEARCH completed']);
  assert.deepEqual(await c.command('p5', 'UID SEARCH RETURN (partial 2:1 MIN) ALL'), ['* ESEARCH (TAG "p5") UID MIN 2 PARTIAL (2:1 2,4)', 'p5 OK SEARCH completed']);
  assert.deepEqual(await c.command('p6', 'SEARCH RETURN (PARTIAL -1:-1) SUBJECT nothing'), ['* ESEARCH (TAG "p6") PARTIAL (-1:-1 NIL)', 'p6 OK SEARCH completed']);
  // Hostile sizes: the widest 32-bit ranges cost no more than the matches.
  assert.deepEqual(await c.command('p7', 'UID SEARCH RETURN (PARTIAL 1:4294967295) ALL'), ['* ESEARCH (TAG "p7") UID PARTIAL (1:4294967295 2,4:6)', 'p7 OK SEARCH completed']);
  assert.deepEqual(await c.command('p8', 'UID SEARCH RETURN (PARTIAL -4294967295:-4294967295) ALL'), ['* ESEARCH (TAG "p8") UID PARTIAL (-4294967295:-4294967295 NIL)', 'p8 OK SEARCH completed']);
  // SAVE with PARTIAL alone keeps the page (RFC 9394 3.2).
  assert.deepEqual(await c.command('v1', 'UID SEARCH RETURN (SAVE PARTIAL -1:-2) ALL'), ['* ESEARCH (TAG "v1") UID PARTIAL (-1:-2 5:6)', 'v1 OK SEARCH completed']);
  assert.deepEqual(await c.command('v2', 'UID SEARCH UID $'), ['* SEARCH 5 6', 'v2 OK SEARCH completed']);
  await assertAllBad(c, [
    'SEARCH RETURN (PARTIAL 0:5) ALL',
    'SEARCH RETURN (PARTIAL 1:*) ALL',
    'SEARCH RETURN (PARTIAL -1:5) ALL',
    'SEARCH RETURN (PARTIAL 5) ALL',
    'SEARCH RETURN (PARTIAL "1:5") ALL',
    'SEARCH RETURN (PARTIAL 1:4294967296) ALL',
    'SEARCH RETURN (PARTIAL 1:99999999999999999999999) ALL',
    'SEARCH RETURN (PARTIAL -0:-1) ALL',
    'SEARCH RETURN (PARTIAL) ALL',
    'SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL',
    'SEARCH RETURN (ALL PARTIAL 1:2) ALL',
    'SEARCH RETURN (PARTIAL 1:2 ALL) ALL',
    'SEARCH RETURN (PARTIAL 1:2',
  ]);
});

test('UID FETCH (PARTIAL): the page of the set, with CHANGEDSINCE after it; bad modifiers are BAD', async (t) => {
  const { env, c } = await selectedWithGaps(t);
  assert.deepEqual(await c.command('f1', 'UID FETCH 1:* (UID) (PARTIAL -1:-2)'), ['* 3 FETCH (UID 5)', '* 4 FETCH (UID 6)', 'f1 OK FETCH completed']);
  assert.deepEqual(await c.command('f2', 'UID FETCH 1:* (UID) (PARTIAL 1:1)'), ['* 1 FETCH (UID 2)', 'f2 OK FETCH completed']);
  assert.deepEqual(await c.command('f3', 'FETCH 2:4 (UID) (PARTIAL 2:3)'), ['* 3 FETCH (UID 5)', '* 4 FETCH (UID 6)', 'f3 OK FETCH completed']);
  // The largest position parses; a range wider than MESSAGELIMIT is refused whole (RFC 9738 3.1), past the set or not.
  assert.deepEqual(await c.command('f4', 'UID FETCH 1:* (UID) (PARTIAL 10:4294967295)'), ['f4 NO [MESSAGELIMIT 100000] At most 100000 messages in one command, try a smaller set']);
  assert.deepEqual(await c.command('f5', 'UID FETCH 1:* (UID) (PARTIAL 10:100009)'), ['f5 OK FETCH completed']);
  await env.store.storeFlags(env.inbox.id, [2], 'add', ['\\Flagged']);
  const modSeq = (await env.store.getMessage(env.inbox.id, 2))!.modSeq;
  // CHANGEDSINCE filters the page: of UIDs 2 and 4, only 2 changed. It is the session's first
  // CONDSTORE command, so the HIGHESTMODSEQ the client was last brought up to (SELECT's) comes
  // first (RFC 7162 3.1); the session claimed every message at SELECT, so FLAGS shows \Recent.
  assert.deepEqual(await c.command('f5', `UID FETCH 1:* (FLAGS) (PARTIAL 1:2 CHANGEDSINCE ${modSeq - 1})`), [
    `* OK [HIGHESTMODSEQ ${modSeq - 1}] Highest`,
    `* 1 FETCH (UID 2 FLAGS (\\Recent \\Flagged) MODSEQ (${modSeq}))`,
    'f5 OK FETCH completed',
  ]);
  await assertAllBad(c, [
    'UID FETCH 1:* (UID) (PARTIAL)',
    'UID FETCH 1:* (UID) (PARTIAL 0:1)',
    'UID FETCH 1:* (UID) (PARTIAL 1:2 PARTIAL 3:4)',
    'UID FETCH 1:* (UID) (PARTIAL -1:2)',
    'UID FETCH 1:* (UID) (PARTIAL 1:4294967296)',
    'UID FETCH 1:* (UID) (PARTIAL 1:2',
  ]);
});

test('ESORT: RETURN options in sort order, PARTIAL pages the sorted result, SAVE, malformed ones BAD', async (t) => {
  const { c } = await selectedWithGaps(t);
  assert.deepEqual(await c.command('e1', 'SORT RETURN (MIN MAX COUNT ALL) (REVERSE ARRIVAL) UTF-8 ALL'), ['* ESEARCH (TAG "e1") MIN 4 MAX 1 ALL 4,3,2,1 COUNT 4', 'e1 OK SORT completed']);
  assert.deepEqual(await c.command('e2', 'UID SORT RETURN () (ARRIVAL) UTF-8 ALL'), ['* ESEARCH (TAG "e2") UID ALL 2,4:6', 'e2 OK SORT completed']);
  assert.deepEqual(await c.command('e3', 'UID SORT RETURN (PARTIAL 1:2) (REVERSE ARRIVAL) UTF-8 ALL'), ['* ESEARCH (TAG "e3") UID PARTIAL (1:2 6,5)', 'e3 OK SORT completed']);
  assert.deepEqual(await c.command('e4', 'UID SORT RETURN (PARTIAL -1:-2) (REVERSE ARRIVAL) UTF-8 ALL'), ['* ESEARCH (TAG "e4") UID PARTIAL (-1:-2 4,2)', 'e4 OK SORT completed']);
  assert.deepEqual(await c.command('e5', 'SORT RETURN (COUNT) (DATE) UTF-8 SUBJECT nothing'), ['* ESEARCH (TAG "e5") COUNT 0', 'e5 OK SORT completed']);
  assert.deepEqual(await c.command('e6', 'UID SORT RETURN (SAVE MIN) (REVERSE ARRIVAL) UTF-8 ALL'), ['* ESEARCH (TAG "e6") UID MIN 6', 'e6 OK SORT completed']);
  assert.deepEqual(await c.command('e7', 'UID SEARCH UID $'), ['* SEARCH 6', 'e7 OK SEARCH completed']);
  assert.deepEqual(await c.command('e8', 'UID SORT RETURN (SAVE) (REVERSE ARRIVAL) UTF-8 UID 2:5'), ['e8 OK SORT completed']);
  assert.deepEqual(await c.command('e9', 'UID SEARCH UID $'), ['* SEARCH 2 4 5', 'e9 OK SEARCH completed']);
  // A plain SORT is unchanged.
  assert.deepEqual(await c.command('e10', 'SORT (REVERSE ARRIVAL) UTF-8 ALL'), ['* SORT 4 3 2 1', 'e10 OK SORT completed']);
  // A refused charset empties `$` as a failed SEARCH does.
  assert.match((await c.command('e11', 'UID SORT RETURN (SAVE) (ARRIVAL) KOI8-R ALL')).at(-1)!, /^e11 NO \[BADCHARSET/);
  assert.deepEqual(await c.command('e12', 'UID SEARCH UID $'), ['* SEARCH', 'e12 OK SEARCH completed']);
  await assertAllBad(c, [
    'SORT RETURN (BOGUS) (DATE) UTF-8 ALL',
    'SORT (DATE) UTF-8 RETURN (MIN) ALL',
    'SORT RETURN (ALL PARTIAL 1:2) (DATE) UTF-8 ALL',
    'SORT RETURN (PARTIAL 0:2) (DATE) UTF-8 ALL',
    'SORT RETURN (MIN) UTF-8 ALL',
    'SORT RETURN (MIN) (DATE)',
    'SORT RETURN MIN (DATE) UTF-8 ALL',
  ]);
});
