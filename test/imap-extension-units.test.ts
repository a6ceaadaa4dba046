import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFetch } from '../src/imap/fetch-query.ts';
import { ParseError, Parser } from '../src/imap/parser.ts';
import { parseSelectParams } from '../src/imap/select-params.ts';

const parser = (text: string) => new Parser(Buffer.from(text));

test('SELECT parameters: CONDSTORE, QRESYNC with known UIDs and seq-match data', () => {
  assert.deepEqual(parseSelectParams(parser('(CONDSTORE)')), { condstore: true, qresync: null });
  const full = parseSelectParams(parser('(QRESYNC (67890007 2005071519404500 41:211,214:541 (1:10 5:15)) CONDSTORE)'));
  assert.equal(full.condstore, true);
  assert.equal(full.qresync?.uidValidity, 67890007);
  assert.equal(full.qresync?.modSeq, 2005071519404500);
  assert.equal(full.qresync?.knownUids?.toString(), '41:211,214:541');
  assert.equal(full.qresync?.seqMatch?.seqs.toString(), '1:10');
  assert.equal(full.qresync?.seqMatch?.uids.toString(), '5:15');
  const bare = parseSelectParams(parser('(qresync (1 0))'));
  assert.deepEqual([bare.qresync?.uidValidity, bare.qresync?.modSeq, bare.qresync?.knownUids, bare.qresync?.seqMatch], [1, 0, null, null]);
  const seqOnly = parseSelectParams(parser('(QRESYNC (1 2 (1,3 5,9)))'));
  assert.equal(seqOnly.qresync?.knownUids, null);
  assert.equal(seqOnly.qresync?.seqMatch?.uids.toString(), '5,9');
  for (const bad of ['(QRESYNC)', '(QRESYNC ())', '(QRESYNC (0 1))', '(QRESYNC (1))', '(QRESYNC (1 2 3 4))', '(QRESYNC (1 2 (1)))', '(QRESYNC (1 2) QRESYNC (1 2))', '(FOO)', '(QRESYNC (1 2)']) {
    assert.throws(() => parseSelectParams(parser(bad)), ParseError, bad);
  }
});

test('FETCH modifiers: VANISHED only with CHANGEDSINCE', () => {
  const q = parseFetch(parser(' (FLAGS) (CHANGEDSINCE 12 VANISHED)'));
  assert.deepEqual([q.changedSince, q.vanished], [12, true]);
  assert.equal(parseFetch(parser(' FLAGS')).vanished, false);
  assert.throws(() => parseFetch(parser(' FLAGS (VANISHED)')), ParseError);
  assert.throws(() => parseFetch(parser(' FLAGS (VANISHED CHANGEDSINCE)')), ParseError);
});
