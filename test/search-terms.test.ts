import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerLine, MAX_TRIGRAMS, messageTrigrams, queryTrigrams, searchFold, searchHeaders } from '../src/mime/search-terms.ts';

test('searchFold: NFKC, then lower case', () => {
  assert.equal(searchFold('HeLLo'), 'hello');
  assert.equal(searchFold('ﬁnale'), 'finale');
  assert.equal(searchFold('ＲＥＳＵＬＴ'), 'result');
  // A decomposed é composes, so that both spellings search alike.
  assert.equal(searchFold('Cafe\u0301'), 'café');
  // Lower case as JavaScript does it, final sigma included.
  assert.equal(searchFold('ÄÖÜ ΣΑΣ Ж'), 'äöü σας ж');
});

const trigrams = (s: string) => messageTrigrams([], s);

test('trigrams are runs of three UTF-16 units of the folded text, spaces and line ends included', () => {
  assert.deepEqual(trigrams('abcd'), ['abc', 'bcd']);
  assert.deepEqual(trigrams('жжжaж'), ['жжж', 'жжa', 'жaж']);
  assert.deepEqual(trigrams('ab'), []);
  assert.deepEqual(trigrams('a B\r\n'), ['a b', ' b\r', 'b\r\n']);
  assert.deepEqual(trigrams('aaaa'), ['aaa']);
  // An astral character is two units: its halves are in the trigrams, as in the query's.
  assert.deepEqual(trigrams('x😀y'), ['x😀', '😀y']);
  assert.deepEqual(queryTrigrams('😀y'), ['😀y']);
});

test('a text with more than MAX_TRIGRAMS trigrams has none listed (the index makes it a candidate for every query)', () => {
  // Pseudo-random CJK characters: nearly every trigram is new.
  const text = Array.from({ length: MAX_TRIGRAMS + 100 }, (_, i) => String.fromCharCode(0x4e00 + ((i * 7919) % 30_000))).join('');
  assert.equal(messageTrigrams([], text), null);
  assert.equal(messageTrigrams([], text.slice(0, 1000))?.length, 998);
});

test('queryTrigrams folds the query the way the message is folded', () => {
  assert.deepEqual(queryTrigrams('ＦＯＯbar'), ['foo', 'oob', 'oba', 'bar']);
  assert.deepEqual(queryTrigrams('ab'), []);
  assert.deepEqual(queryTrigrams('ﬁx'), ['fix']);
});

test('searchHeaders decodes RFC 2047 and folds; headerLine joins name and value', () => {
  const block = Buffer.from('Subject: =?UTF-8?B?R3LDvMOfZQ==?= AUS\r\n Köln\r\nFrom: Bob <BOB@example.net>\r\n\r\nbody');
  const headers = searchHeaders(block);
  assert.deepEqual(headers.map(headerLine), ['subject: grüße aus köln', 'from: bob <bob@example.net>']);
});

test('every substring of what SEARCH compares has its trigrams in the message trigrams', () => {
  const header = Buffer.from('Return-Path: <x@y>\r\nSubject: Quarterly ﬁgures\r\nTo: Ｃａｒｏｌ <carol@example.org>\r\n\r\n');
  const body = 'Dear Carol, the ﬁgures are in: Übersicht für Q3 😀.\r\nRegards';
  const all = new Set(messageTrigrams([header], body));
  const texts = [...searchHeaders(header).map(headerLine), searchFold(body)];
  for (const text of texts) {
    for (let i = 0; i < text.length; i++) {
      for (let j = i + 3; j <= Math.min(text.length, i + 12); j++) {
        for (const t of queryTrigrams(text.slice(i, j))) assert.ok(all.has(t), `${t} of ${text.slice(i, j)}`);
      }
    }
  }
  // Folded forms are found from either spelling of the query.
  for (const t of queryTrigrams('FIGURES')) assert.ok(all.has(t));
  for (const t of queryTrigrams('carol <')) assert.ok(all.has(t));
  assert.ok(queryTrigrams('xyzzy').some((t) => !all.has(t)));
});
