import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCreate } from '../src/imap/commands/create.ts';
import { parseStatusItems } from '../src/imap/commands/status.ts';
import { mailbox } from '../src/imap/encoder.ts';
import { parseFetch } from '../src/imap/fetch-query.ts';
import { parseListQuery } from '../src/imap/list-query.ts';
import { quotaResources } from '../src/imap/quota.ts';
import { ParseError, Parser } from '../src/imap/parser.ts';
import { parseMailboxName, parseNamedMailbox } from '../src/imap/mailbox-name.ts';
import { parseMessageSet } from '../src/imap/message-set.ts';
import { parseSearch } from '../src/imap/search-query.ts';
import { coveredHits, esearchResponse, parseSearchReturn, type ReturnOption } from '../src/imap/search-return.ts';
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

test('SEARCH RETURN options, $ and the ESEARCH response', () => {
  assert.deepEqual(parseSearchReturn(parser('()')), { options: ['ALL'], partial: null });
  assert.deepEqual(parseSearchReturn(parser('(min MAX min SAVE)')), { options: ['MIN', 'MAX', 'SAVE'], partial: null });
  for (const bad of ['(FOO)', 'ALL', '(MIN', '((MIN))']) assert.throws(() => parseSearchReturn(parser(bad)), ParseError, bad);
  const q = parseSearch(parser(' RETURN (COUNT) CHARSET UTF-8 $ UID $'));
  assert.deepEqual(q, { returns: { options: ['COUNT'], partial: null }, charset: 'UTF-8', key: { type: 'and', keys: [{ type: 'saved' }, { type: 'saved' }] } });
  assert.equal(parseSearch(parser(' ALL')).returns, null);
  assert.equal(parseMessageSet(parser('$'), false).set, null);
  assert.throws(() => parseSearch(parser(' $1')), ParseError);

  const ret = (options: ReturnOption[]) => ({ options, partial: null });
  const hits = [1, 2, 3, 7].map((n) => ({ number: n, modSeq: 10 - n }));
  assert.deepEqual(coveredHits(hits, ret(['MIN', 'MAX'])).map((h) => h.number), [1, 7]);
  assert.deepEqual(coveredHits(hits, ret(['MAX', 'SAVE'])).map((h) => h.number), [7]);
  assert.deepEqual(coveredHits(hits.slice(0, 1), ret(['MIN', 'MAX'])).map((h) => h.number), [1]);
  assert.deepEqual(coveredHits(hits, ret(['MIN', 'COUNT'])).length, 4);
  assert.equal(esearchResponse('a.1', false, ret(['MIN', 'MAX', 'ALL', 'COUNT']), hits, false), 'ESEARCH (TAG "a.1") MIN 1 MAX 7 ALL 1:3,7 COUNT 4');
  assert.equal(esearchResponse('t', true, ret(['MAX']), hits, true), 'ESEARCH (TAG "t") UID MAX 7 MODSEQ 3');
  assert.equal(esearchResponse('t', true, ret(['ALL']), hits, true), 'ESEARCH (TAG "t") UID ALL 1:3,7 MODSEQ 9');
  assert.equal(esearchResponse('t', false, ret(['MIN', 'COUNT']), [], true), 'ESEARCH (TAG "t") COUNT 0');
  assert.equal(esearchResponse('t', false, ret(['SAVE']), hits, false), null);
  assert.equal(esearchResponse('t', false, ret(['SAVE', 'COUNT']), hits, false), 'ESEARCH (TAG "t") COUNT 4');
});

test('LIST-EXTENDED arguments: selection, patterns, return options', () => {
  const list = (text: string) => parseListQuery(parser(text), parseStatusItems);
  assert.deepEqual(list(' "" "*"'), {
    select: { subscribed: false, recursiveMatch: false, specialUse: false },
    reference: '',
    patterns: ['*'],
    returns: { subscribed: false, specialUse: false, status: null },
  });
  const full = list(' (subscribed REMOTE RecursiveMatch) "a/" (INBOX "&AOQ-%" x*) RETURN (CHILDREN SUBSCRIBED SPECIAL-USE STATUS (MESSAGES SIZE))');
  assert.deepEqual(full.select, { subscribed: true, recursiveMatch: true, specialUse: false });
  assert.equal(full.reference, 'a/');
  assert.deepEqual(full.patterns, ['INBOX', 'ä%', 'x*']);
  assert.deepEqual(full.returns, { subscribed: true, specialUse: true, status: ['MESSAGES', 'SIZE'] });
  assert.deepEqual(list(' (SPECIAL-USE RECURSIVEMATCH) "" %').select.specialUse, true);
  for (const bad of [' (RECURSIVEMATCH) "" *', ' (X) "" *', ' "" ()', ' "" * RETURN', ' "" * RETURN (X)', ' "" * RETURN (STATUS ())', ' "" "&Jjo"', ' () "" * RETURN () x']) {
    assert.throws(() => list(bad), ParseError, bad);
  }
});

test('CREATE arguments: USE list of special uses', () => {
  assert.deepEqual(parseCreate(parser(' Sent2')), { name: 'Sent2', supplied: null, uses: [] });
  assert.deepEqual(parseCreate(parser(' "a/b/" (USE (\\Sent \\Junk))')), { name: 'a/b', supplied: null, uses: ['\\Sent', '\\Junk'] });
  for (const bad of [' x (USE)', ' x (USE (\\Sent)', ' x (FOO (\\Sent))', ' x USE (\\Sent)', ' x (USE (\\Sent)) y']) {
    assert.throws(() => parseCreate(parser(bad)), ParseError, bad);
  }
});

test('QUOTA resources: KiB rounded against the client, unlimited ones left out', () => {
  assert.deepEqual(quotaResources({ quotaBytes: 10 * 1024 + 1000, quotaMessages: 7 }, { bytes: 1025, messages: 2 }), ['STORAGE 2 10', 'MESSAGE 2 7']);
  assert.deepEqual(quotaResources({ quotaBytes: 0, quotaMessages: 7 }, { bytes: 0, messages: 0 }), ['MESSAGE 0 7']);
  assert.deepEqual(quotaResources({ quotaBytes: 0, quotaMessages: 0 }, { bytes: 5, messages: 5 }), []);
});

test('UTF8=ACCEPT: mailbox names as UTF-8 both ways, "&" taken literally', () => {
  const utf8 = (text: string) => {
    const p = parser(text);
    p.utf8Names = true;
    return p;
  };
  assert.equal(parseMailboxName(parser('"Caf&AOk-"')), 'Café');
  assert.equal(parseMailboxName(utf8('"Caf&AOk-"')), 'Caf&AOk-');
  assert.equal(parseMailboxName(utf8('"Größe & Co"')), 'Größe & Co');
  assert.equal(parseMailboxName(utf8('inbox')), 'INBOX');
  assert.throws(() => parseMailboxName(parser('"a&b"')), ParseError);
  assert.equal(mailbox('Café'), '"Caf&AOk-"');
  assert.equal(mailbox('Café', true), '{5}\r\nCaf\xc3\xa9');
  assert.equal(mailbox('a&b', true), '"a&b"');
  const list = parseListQuery(utf8(' "" "Gr&*"'), parseStatusItems);
  assert.deepEqual(list.patterns, ['Gr&*']);
  // UTF-8 names are taken in NFC (RFC 9051 5.1); the form sent is kept for OLDNAME.
  const decomposed = 'Cafe\u0301/Te\u0301';
  assert.deepEqual(parseNamedMailbox(utf8(`"${decomposed}"`)), { name: 'Café/Té', supplied: decomposed });
  assert.deepEqual(parseNamedMailbox(utf8('"Café"')), { name: 'Café', supplied: null });
  assert.deepEqual(parseNamedMailbox(parser('"Caf&AOk-"')), { name: 'Café', supplied: null });
  assert.deepEqual(parseListQuery(utf8(` "" "${decomposed}*"`), parseStatusItems).patterns, ['Café/Té*']);
});
