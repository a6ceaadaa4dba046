import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addTrigrams, headerLine, messageTrigrams, queryTrigrams, searchFold, searchHeaders } from '../src/mime/search-terms.ts';

test('searchFold: NFKC, then lower case', () => {
  assert.equal(searchFold('HeLLo'), 'hello');
  assert.equal(searchFold('ﬁnale'), 'finale');
  assert.equal(searchFold('ＲＥＳＵＬＴ'), 'result');
  // A decomposed é composes, so that both spellings search alike.
  assert.equal(searchFold('Cafe\u0301'), 'café');
  // Lower case as JavaScript does it, final sigma included.
  assert.equal(searchFold('ÄÖÜ ΣΑΣ Ж'), 'äöü σας ж');
});

test('trigrams are runs of three code points, spaces and line ends included', () => {
  assert.deepEqual([...addTrigrams('abcd', new Set())], ['abc', 'bcd']);
  assert.deepEqual([...addTrigrams('ab', new Set())], []);
  assert.deepEqual([...addTrigrams('a b\r\n', new Set())], ['a b', ' b\r', 'b\r\n']);
  // Astral characters count as one code point, not two UTF-16 units.
  assert.deepEqual([...addTrigrams('x😀yz', new Set())], ['x😀y', '😀yz']);
  assert.deepEqual([...addTrigrams('aaaa', new Set())], ['aaa']);
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
  const body = 'Dear Carol, the ﬁgures are in: Übersicht für Q3.\r\nRegards';
  const all = messageTrigrams([header], body);
  const texts = [...searchHeaders(header).map(headerLine), searchFold(body)];
  for (const text of texts) {
    const points = Array.from(text);
    for (let i = 0; i < points.length; i++) {
      for (let j = i + 3; j <= Math.min(points.length, i + 12); j++) {
        for (const t of queryTrigrams(points.slice(i, j).join(''))) assert.ok(all.has(t), `${t} of ${points.slice(i, j).join('')}`);
      }
    }
  }
  // Folded forms are found from either spelling of the query.
  for (const t of queryTrigrams('FIGURES')) assert.ok(all.has(t));
  for (const t of queryTrigrams('carol <')) assert.ok(all.has(t));
  assert.ok(queryTrigrams('xyzzy').some((t) => !all.has(t)));
});
