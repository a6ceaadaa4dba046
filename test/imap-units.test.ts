import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateTime, mailbox, str } from '../src/imap/encoder.ts';
import { parseFetch, sectionLabel } from '../src/imap/fetch-query.ts';
import { filterHeader, splitHeader } from '../src/imap/header-fields.ts';
import { hierarchy, patternMatcher } from '../src/imap/list-pattern.ts';
import { ParseError, Parser } from '../src/imap/parser.ts';
import { CommandReader, eventBytes, INLINE_LITERAL_MAX, type ReaderEvent } from '../src/imap/reader.ts';
import { parseSearch } from '../src/imap/search-query.ts';
import { sentDay } from '../src/imap/search-subject.ts';
import { compactSet, parseSequenceSet } from '../src/imap/sequence-set.ts';
import { decodeMailboxName, encodeMailboxName } from '../src/imap/utf7.ts';

const parser = (text: string | Buffer) => new Parser(Buffer.isBuffer(text) ? text : Buffer.from(text));
const commands = (events: ReaderEvent[]) => events.map((e) => (e.type === 'command' ? e.data.toString('latin1') : e.type));

test('reader: frames lines, asks for synchronizing literals, takes LITERAL+ without asking', () => {
  const reader = new CommandReader({ maxLine: 100, maxLiteral: 1000 });
  assert.deepEqual(commands(reader.push(Buffer.from('a1 NOOP\r\na2 LOGIN {5}\r\n'))), ['a1 NOOP', 'continue']);
  assert.deepEqual(commands(reader.push(Buffer.from('alice {3+}\r\nx'))), []);
  assert.deepEqual(commands(reader.push(Buffer.from('yz\r\n'))), ['a2 LOGIN {5}\r\nalice {3+}\r\nxyz']);
  // Byte by byte gives the same result, and a bare LF ends a line too.
  const slow = new CommandReader({ maxLine: 100, maxLiteral: 1000 });
  const events = [...Buffer.from('b1 SELECT {5}\r\nINBOX\n')].flatMap((byte) => slow.push(Buffer.from([byte])));
  assert.deepEqual(commands(events), ['continue', 'b1 SELECT {5}\r\nINBOX']);
});

test('reader: refuses long lines and big literals and keeps going', () => {
  const reader = new CommandReader({ maxLine: 20, maxLiteral: 10 });
  const events = reader.push(Buffer.from(`a1 ${'x'.repeat(50)}\r\na2 NOOP\r\na3 APPEND INBOX {11}\r\na4 NOOP\r\n`));
  assert.deepEqual(
    events.map((e) => e.type),
    ['refused', 'command', 'refused', 'command'],
  );
  assert.equal(events[0]!.type === 'refused' && events[0]!.head.toString().slice(0, 3), 'a1 ');
  assert.equal(events[2]!.type === 'refused' && events[2]!.fatal, false);
  // A non-synchronizing literal over the limit cannot be skipped: the stream is lost.
  const dead = new CommandReader({ maxLine: 100, maxLiteral: 10 });
  const last = dead.push(Buffer.from('a1 APPEND INBOX {11+}\r\nhello world\r\na2 NOOP\r\n'));
  assert.deepEqual(last.map((e) => e.type === 'refused' && e.fatal), [true]);
});

test('reader: a large literal is read into a buffer of its own, which the parser takes from where its bytes would be', () => {
  const reader = new CommandReader({ maxLine: 100, maxLiteral: 1 << 20 });
  const big = Buffer.alloc(INLINE_LITERAL_MAX + 1, 'q');
  const events = [reader.push(Buffer.from(`a APPEND INBOX {${big.length}+}\r\n`))];
  for (let i = 0; i < big.length; i += 5000) events.push(reader.push(big.subarray(i, i + 5000)));
  assert.ok(reader.buffered >= big.length);
  events.push(reader.push(Buffer.from(' {2+}\r\nhi\r\n')));
  const command = events.flat();
  assert.equal(command.length, 1);
  const event = command[0]!;
  assert.ok(event.type === 'command');
  assert.equal(event.data.toString(), `a APPEND INBOX {${big.length}+}\r\n {2+}\r\nhi`);
  assert.equal(eventBytes(event), event.data.length + big.length);
  const p = new Parser(event.data, event.literals);
  p.pos = event.data.indexOf('{');
  assert.ok(p.stringBytes().equals(big));
  p.sp();
  assert.equal(p.string(), 'hi');
  assert.equal(reader.buffered, 0);
});

test('parser: atoms, quoted strings, literals, lists, numbers', () => {
  const p = parser('tag LOGIN "al\\"ice" {3}\r\npw! (a (b c)) 42');
  assert.equal(p.tag(), 'tag');
  p.sp();
  assert.equal(p.keyword(), 'LOGIN');
  p.sp();
  assert.equal(p.astring(), 'al"ice');
  p.sp();
  assert.equal(p.astring(), 'pw!');
  p.sp();
  assert.equal(p.list(() => (p.peek() === 0x28 ? p.list(() => p.atom()).join('+') : p.atom())).join(','), 'a,b+c');
  p.sp();
  assert.equal(p.number(), 42);
  p.end();
  assert.throws(() => parser('"unterminated').astring(), ParseError);
  assert.throws(() => parser('{10}\r\nshort').astring(), ParseError);
  assert.throws(() => parser('99999999999').number(), ParseError);
});

test('parser: nesting depth is bounded', () => {
  const nested = (p: Parser): unknown => (p.peek() === 0x28 ? p.list(() => nested(p)) : p.atom());
  assert.doesNotThrow(() => nested(parser(`${'('.repeat(30)}x${')'.repeat(30)}`)));
  assert.throws(() => nested(parser(`${'('.repeat(100)}x${')'.repeat(100)}`)), /nested too deeply/);
  const deep = `${'('.repeat(1000)}ALL${')'.repeat(1000)}`;
  assert.throws(() => parseSearch(parser(` ${deep}`)), /nested too deeply/);
  assert.throws(() => parseSearch(parser(` ${'NOT '.repeat(1000)}ALL`)), /nested too deeply/);
});

test('parser: dates and date-times', () => {
  assert.equal(parser('1-Feb-2026').date(), Date.UTC(2026, 1, 1));
  assert.equal(parser('"01-Feb-2026"').date(), Date.UTC(2026, 1, 1));
  assert.throws(() => parser('31-Feb-2026').date(), ParseError);
  assert.equal(parser('"22-Nov-2026 10:00:00 +0100"').dateTime(), Date.UTC(2026, 10, 22, 9));
  assert.equal(parser('" 2-Nov-2026 10:00:00 -0030"').dateTime(), Date.UTC(2026, 10, 2, 10, 30));
  assert.throws(() => parser('"22-Nov-2026 25:00:00 +0000"').dateTime(), ParseError);
});

test('sequence sets: parsing, *, merging, membership', () => {
  const set = parseSequenceSet(parser('4:2,7,9:*,1'));
  assert.deepEqual(set.intervals(12), [[1, 4], [7, 7], [9, 12]]);
  const has = set.matcher(12);
  assert.deepEqual([1, 5, 7, 8, 10, 13].map(has), [true, false, true, false, true, false]);
  assert.equal(set.max(12), 12);
  assert.equal(parseSequenceSet(parser('*:3')).intervals(2).join(), '2,3');
  assert.throws(() => parseSequenceSet(parser('0')), ParseError);
  assert.equal(compactSet([5, 1, 2, 3, 9, 10]), '1:3,5,9:10');
});

test('modified UTF-7 mailbox names', () => {
  for (const name of ['INBOX', 'Entwürfe', 'A&B', '日本語/子', 'mixed ä & ö']) {
    assert.equal(decodeMailboxName(encodeMailboxName(name)), name);
  }
  assert.equal(encodeMailboxName('Entwürfe'), 'Entw&APw-rfe');
  assert.equal(encodeMailboxName('A&B'), 'A&-B');
  assert.equal(decodeMailboxName('&Jjo-!'), '☺!');
  assert.equal(decodeMailboxName('&AGE-'), null, 'printable ASCII must not be encoded');
  assert.equal(decodeMailboxName('&Jjo'), null);
  assert.equal(decodeMailboxName('caf\u00e9'), null);
});

test('encoder: quoted or literal strings, dates, names', () => {
  assert.equal(str('plain'), '"plain"');
  assert.equal(str('a"b'), '{3}\r\na"b');
  assert.equal(str('two\r\nlines'), '{10}\r\ntwo\r\nlines');
  assert.equal(str('ü'), `{2}\r\n${Buffer.from('ü').toString('latin1')}`);
  assert.equal(dateTime(Date.UTC(2026, 10, 2, 9, 5, 7)), '" 2-Nov-2026 09:05:07 +0000"');
  assert.equal(mailbox('Entwürfe'), '"Entw&APw-rfe"');
});

test('FETCH items: macros, sections, partials, modifiers', () => {
  assert.deepEqual(parseFetch(parser(' FAST')).items.map((i) => i.type === 'simple' && i.name), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
  const q = parseFetch(parser(' (UID BODY.PEEK[1.2.HEADER.FIELDS (Subject From)]<0.100> BODY[] RFC822.SIZE) (CHANGEDSINCE 12)'));
  assert.equal(q.changedSince, 12);
  const [, section, whole] = q.items;
  assert.equal(section!.type === 'section' && sectionLabel(section), 'BODY[1.2.HEADER.FIELDS (SUBJECT FROM)]<0>');
  assert.equal(section!.type === 'section' && section.peek, true);
  assert.equal(whole!.type === 'section' && sectionLabel(whole), 'BODY[]');
  assert.throws(() => parseFetch(parser(' (FLAGS BOGUS)')), /unknown FETCH item/);
  assert.throws(() => parseFetch(parser(' BODY[MIME]')), /MIME needs a part/);
  assert.throws(() => parseFetch(parser(' BODY[1.TEXT')), ParseError);
});

test('SEARCH keys: every kind parses into the tree it means', () => {
  const q = parseSearch(parser(' CHARSET UTF-8 OR (FROM bob SUBJECT "x y") NOT SEEN 1:3 UID 5:* LARGER 10 SINCE 1-Jan-2026 HEADER X-Tag "" MODSEQ 7'));
  assert.equal(q.charset, 'UTF-8');
  assert.equal(q.key.type, 'and');
  const keys = q.key.type === 'and' ? q.key.keys.map((k) => k.type) : [];
  assert.deepEqual(keys, ['or', 'seq', 'uid', 'size', 'date', 'header', 'modseq']);
  for (const key of ['ALL', 'ANSWERED', 'DELETED', 'DRAFT', 'FLAGGED', 'NEW', 'OLD', 'RECENT', 'UNANSWERED', 'UNDELETED', 'UNDRAFT', 'UNFLAGGED', 'UNSEEN']) {
    parseSearch(parser(` ${key}`));
  }
  for (const key of ['BCC a', 'CC a', 'TO a', 'BODY a', 'TEXT a', 'KEYWORD $x', 'UNKEYWORD $x', 'SMALLER 5', 'BEFORE 1-Jan-2026', 'ON 1-Jan-2026', 'SENTBEFORE 1-Jan-2026', 'SENTON 1-Jan-2026', 'SENTSINCE 1-Jan-2026']) {
    parseSearch(parser(` ${key}`));
  }
  assert.throws(() => parseSearch(parser(' FOO')), /unknown search key/);
  assert.throws(() => parseSearch(parser(' (ALL')), ParseError);
  assert.throws(() => parseSearch(parser(' OR ALL')), ParseError);
});

test('header fields: split with folding, filter, keep the blank line', () => {
  const header = Buffer.from('Subject: a\r\n folded\r\nFrom: b\r\nX-Y: c\r\n\r\n');
  assert.deepEqual(splitHeader(header).map((f) => f.name), ['subject', 'from', 'x-y']);
  assert.equal(filterHeader(header, ['SUBJECT'], false).toString(), 'Subject: a\r\n folded\r\n\r\n');
  assert.equal(filterHeader(header, ['subject', 'from'], true).toString(), 'X-Y: c\r\n\r\n');
  assert.equal(sentDay('Sun, 22 Nov 2026 23:30:00 -0500'), Date.UTC(2026, 10, 22));
});

test('LIST patterns and hierarchy', () => {
  const names = ['INBOX', 'Archive/2025', 'Archive/2026/Q1', 'Sent'];
  const entries = hierarchy(names);
  assert.deepEqual(entries.map((e) => `${e.name}:${e.exists ? '' : 'noselect'}:${e.hasChildren ? 'children' : ''}`), [
    'INBOX::',
    'Archive:noselect:children',
    'Archive/2025::',
    'Archive/2026:noselect:children',
    'Archive/2026/Q1::',
    'Sent::',
  ]);
  const top = patternMatcher('', '%');
  assert.deepEqual(entries.map((e) => e.name).filter(top), ['INBOX', 'Archive', 'Sent']);
  assert.ok(patternMatcher('', 'inbox')('INBOX'));
  assert.ok(patternMatcher('Archive/', '*')('Archive/2026/Q1'));
  assert.ok(!patternMatcher('Archive/', '%')('Archive/2026/Q1'));
  assert.ok(!patternMatcher('', 'a.c')('abc'), 'regex characters are literal');
});
