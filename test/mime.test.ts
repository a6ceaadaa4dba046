/** Unit tests of the MIME indexer's pure functions (src/mime). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { baseSubject } from '../src/mime/base-subject.ts';
import { parseDate } from '../src/mime/date.ts';
import { parseImapValue, parseImapValues, serializeImapValue } from '../src/mime/imap-value.ts';
import { DEFAULT_LIMITS, indexMessage } from '../src/mime/index.ts';
import type { ByteRange, ImapValue, PartIndex } from '../src/mime/types.ts';

const crlf = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n'), 'latin1');
const cut = (raw: Buffer, r: ByteRange): string => raw.toString('latin1', r.start, r.end);

function depthOf(part: PartIndex): number {
  let depth = 0;
  for (let p: PartIndex | undefined = part; p; depth++) p = p.parts?.[0] ?? p.message;
  return depth;
}

function countParts(part: PartIndex): number {
  let n = 0;
  const stack = [part];
  while (stack.length) {
    const p = stack.pop()!;
    n++;
    if (p.parts) stack.push(...p.parts);
    if (p.message) stack.push(p.message);
  }
  return n;
}

describe('part byte ranges', () => {
  const raw = crlf([
    'From: a@example.org',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary=outer',
    '',
    'preamble',
    '--outer',
    'Content-Type: text/plain',
    '',
    'first part',
    '--outer',
    'Content-Type: message/rfc822',
    '',
    'Subject: inner',
    'Content-Type: multipart/alternative; boundary=inner',
    '',
    '--inner',
    'Content-Type: text/plain',
    '',
    'inner one',
    '--inner',
    'Content-Type: text/html',
    '',
    '<b>inner two</b>',
    '--inner--',
    '',
    '--outer--',
    '',
  ]);
  const { root } = indexMessage(raw);

  test('root header and body', () => {
    assert.equal(cut(raw, root.header), 'From: a@example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=outer\r\n\r\n');
    assert.equal(root.body.start, root.header.end);
    assert.equal(root.body.end, raw.length);
    assert.equal(root.type, 'multipart');
    assert.equal(root.subtype, 'mixed');
  });

  test('BODY[1] and BODY[1.MIME]', () => {
    const p1 = root.parts![0]!;
    assert.equal(cut(raw, p1.body), 'first part');
    assert.equal(cut(raw, p1.header), 'Content-Type: text/plain\r\n\r\n');
    assert.equal(p1.type, 'text');
    assert.equal(p1.lines, 0);
  });

  test('BODY[2] is the whole encapsulated message, BODY[2.HEADER] its header', () => {
    const p2 = root.parts![1]!;
    assert.equal(p2.type, 'message');
    assert.equal(p2.subtype, 'rfc822');
    const inner = p2.message!;
    assert.equal(p2.body.start, inner.header.start);
    assert.equal(p2.body.end, inner.body.end);
    assert.ok(cut(raw, p2.body).startsWith('Subject: inner\r\n'));
    assert.ok(cut(raw, p2.body).endsWith('--inner--\r\n'));
    assert.equal(cut(raw, inner.header), 'Subject: inner\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n');
  });

  test('BODY[2.1] and BODY[2.2] inside the encapsulated multipart', () => {
    const inner = root.parts![1]!.message!;
    assert.equal(cut(raw, inner.parts![0]!.body), 'inner one');
    assert.equal(cut(raw, inner.parts![1]!.body), '<b>inner two</b>');
    assert.equal(cut(raw, inner.parts![1]!.header), 'Content-Type: text/html\r\n\r\n');
    assert.equal(inner.parts![1]!.subtype, 'html');
  });

  test('BODYSTRUCTURE carries the inner envelope and sizes', () => {
    const bs = indexMessage(raw).bodyStructure as ImapValue[];
    const msg = bs[1] as ImapValue[];
    assert.deepEqual(msg.slice(0, 2), ['message', 'rfc822']);
    assert.equal(msg[6], cut(raw, root.parts![1]!.body).length);
    assert.equal((msg[7] as ImapValue[])[1], 'inner');
  });
});

describe('search fields and decoded text', () => {
  test('encoded-words in subject and addresses', () => {
    const { fields, envelope } = indexMessage(crlf([
      'Subject: =?UTF-8?B?SGFsbMO2?= =?ISO-8859-1?Q?Gr=FC=DFe?= and more',
      'From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.de>',
      'To: "Doe, Jane" <jane@example.org>, bob@example.org',
      'Date: Tue, 3 Feb 2026 10:20:30 +0100',
      'Message-ID: <id1@example.org>',
      'References: <a@x> <b@x>',
      '',
      'body',
    ]));
    assert.equal(fields.subject, 'HallöGrüße and more');
    assert.equal(fields.from.addresses[0]!.name, 'Jörg Müller');
    assert.equal(fields.from.addresses[0]!.address, 'joerg@example.de');
    assert.equal(fields.sortFrom, 'joerg');
    assert.equal(fields.displayFrom, 'Jörg Müller');
    assert.deepEqual(fields.to.addresses.map((a) => a.address), ['jane@example.org', 'bob@example.org']);
    assert.equal(fields.displayTo, 'Doe, Jane');
    assert.equal(fields.date, Date.UTC(2026, 1, 3, 9, 20, 30));
    assert.equal(fields.messageId, '<id1@example.org>');
    assert.deepEqual(fields.references, ['<a@x>', '<b@x>']);
    // ENVELOPE keeps the raw bytes, as IMAP requires.
    assert.equal((envelope as ImapValue[])[1], '=?UTF-8?B?SGFsbMO2?= =?ISO-8859-1?Q?Gr=FC=DFe?= and more');
  });

  test('base subject (RFC 5256)', () => {
    assert.equal(baseSubject('Re: [list] Fwd: Hello   world (fwd)'), 'Hello world');
    assert.equal(baseSubject('[fwd: RE: test]'), 'test');
    assert.equal(baseSubject('Re[2]: x'), 'x');
    assert.equal(baseSubject('[only blob]'), '[only blob]');
  });

  test('dates', () => {
    assert.equal(parseDate('1 Jan 70 00:00 GMT'), 0);
    assert.equal(parseDate('Mon, 01 Jan 2001 01:00:00 -0500 (EST)'), Date.UTC(2001, 0, 1, 6));
    assert.equal(parseDate('garbage'), null);
    assert.equal(parseDate(null), null);
  });

  test('quoted-printable ISO-8859-1 body', () => {
    const { text, preview } = indexMessage(crlf([
      'Content-Type: text/plain; charset=ISO-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Gr=FC=DFe aus K=F6ln, sch=F6ne =',
      'Gr=FC=DFe',
    ]));
    assert.equal(text, 'Grüße aus Köln, schöne Grüße');
    assert.equal(preview, 'Grüße aus Köln, schöne Grüße');
  });

  test('base64 UTF-8 body and HTML alternative', () => {
    const utf8 = Buffer.from('Привет, мир! 👋\n').toString('base64');
    const { text, preview } = indexMessage(crlf([
      'Content-Type: multipart/alternative; boundary=x',
      '',
      '--x',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      utf8,
      '--x',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><style>p {}</style><p>Hello &amp; <b>bye</b></p></html>',
      '--x--',
      '',
    ]));
    assert.ok(text.includes('Привет, мир! 👋'));
    assert.ok(text.includes('Hello & bye'));
    assert.ok(!text.includes('<b>') && !text.includes('p {}'));
    assert.equal(preview, 'Привет, мир! 👋');
  });

  test('preview: whitespace collapsed, at most 200 characters', () => {
    const { preview } = indexMessage(crlf(['Subject: x', '', 'a \t b\r\n\r\n' + 'x'.repeat(500)]));
    assert.equal(preview.length, 200);
    assert.ok(preview.startsWith('a b xxx'));
    assert.equal(indexMessage(crlf(['Content-Type: image/png', '', 'AAAA'])).preview, '');
  });

  test('preview: the same as collapsing the whole text, past long whitespace runs and astral characters', () => {
    const bodies = [
      ' '.repeat(3000) + 'start ' + 'w\t\t'.repeat(300),
      '😀 '.repeat(150) + ' '.repeat(2000) + 'tail',
      ('word' + ' '.repeat(397)).repeat(5) + 'end',
      '\u00a0\u2003x'.repeat(600),
    ];
    for (const body of bodies) {
      const content = ['Subject: x', 'Content-Type: text/plain; charset=utf-8', '', body];
      const whole = [...body.replace(/\s+/g, ' ').trim()].slice(0, 200).join('');
      assert.equal(indexMessage(Buffer.from(content.join('\r\n'))).preview, whole);
    }
  });
});

describe('IMAP values', () => {
  test('serializer and parser round trip', () => {
    const values: ImapValue[] = [
      null, 0, 4294967295, '', 'plain', 'with space', 'quote"', 'back\\slash', 'line\r\nbreak', 'caf\xe9', 'nul\x00',
      ['a', ['b', null, []], 7], [[[]]],
    ];
    for (const v of values) assert.deepEqual(parseImapValue(serializeImapValue(v)), v);
  });

  test('quoted when safe, literal otherwise', () => {
    assert.equal(serializeImapValue(['a b', null, 3]), '("a b" NIL 3)');
    assert.equal(serializeImapValue('caf\xe9'), '{4}\r\ncaf\xe9');
    assert.equal(serializeImapValue('say "hi"'), '{8}\r\nsay "hi"');
  });

  test('parses a FETCH response with literals and escapes', () => {
    const v = parseImapValues('* 1 FETCH (UID 5 ENVELOPE (NIL {3}\r\nabc "q\\"x") BODY[] {2}\r\nhi)');
    assert.deepEqual(v, ['*', 1, 'FETCH', ['UID', 5, 'ENVELOPE', [null, 'abc', 'q"x'], 'BODY[]', 'hi']]);
  });

  test('every index survives a JSON round trip', () => {
    const index = indexMessage(crlf(['Subject: caf\xe9', 'Content-Type: text/plain; charset=utf-8', '', 'h\xc3\xa9']));
    assert.deepEqual(JSON.parse(JSON.stringify(index)), index);
  });
});

describe('hostile input', () => {
  /** Seeded PRNG (mulberry32) so failures reproduce. */
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }
  const tokens = [
    'Content-Type: multipart/mixed; boundary=b\r\n', 'Content-Type: message/rfc822\r\n', 'Content-Type: multipart/digest; boundary="b"\r\n',
    '--b\r\n', '--b--\r\n', '\r\n', '\n', '\r', 'MIME-Version: 1.0\r\n', 'Content-Transfer-Encoding: base64\r\n',
    'Content-Type: text/html; charset=*=x; a*0*=%; a*1=y\r\n', 'From: "a" <b@c>, g: ; (x\r\n', ' folded\r\n', '=?utf-8?b?w6k=?=',
    'Content-Disposition: attachment; filename="\\', 'Subject: ', '<p>&amp;', '\x00', '\xff\xfe', ':', '"', '(', '<', '@', ';',
  ];

  test('never throws on random bytes and MIME-shaped noise', () => {
    const rand = rng(20261122);
    for (let i = 0; i < 3000; i++) {
      const chunks: Buffer[] = [];
      const n = Math.floor(rand() * 60);
      for (let j = 0; j < n; j++) {
        if (rand() < 0.5) chunks.push(Buffer.from(tokens[Math.floor(rand() * tokens.length)]!, 'latin1'));
        else chunks.push(Buffer.from(Array.from({ length: Math.floor(rand() * 20) }, () => Math.floor(rand() * 256))));
      }
      const raw = Buffer.concat(chunks);
      const index = indexMessage(raw);
      assert.ok(index.root.body.end <= raw.length, `seed input ${i}`);
      assert.doesNotThrow(() => serializeImapValue(index.bodyStructure));
      JSON.stringify(index);
    }
  });

  test('empty input', () => {
    const index = indexMessage(Buffer.alloc(0));
    assert.deepEqual(index.bodyStructure, ['text', 'plain', ['charset', 'us-ascii'], null, null, '7bit', 0, 0, null, null, null, null]);
    assert.deepEqual(index.envelope, [null, null, null, null, null, null, null, null, null, null]);
  });

  test('NUL bytes', () => {
    const raw = Buffer.from('Subject: a\x00b\r\nFrom: x\x00@y\r\nContent-Type: text/plain\x00\r\n\r\nbody\x00with NUL\r\n', 'latin1');
    const index = indexMessage(raw);
    assert.equal((index.envelope as ImapValue[])[1], 'a');
    assert.equal(cut(raw, index.root.body), 'body\x00with NUL\r\n');
  });

  test('10,000-deep multipart nesting is cut at the depth limit', () => {
    const chunks: string[] = [];
    for (let i = 0; i < 10000; i++) chunks.push(`Content-Type: multipart/mixed; boundary=b${i}\r\n\r\n--b${i}\r\n`);
    const raw = Buffer.from(chunks.join('') + 'leaf\r\n');
    const index = indexMessage(raw);
    assert.equal(depthOf(index.root), DEFAULT_LIMITS.maxDepth);
    JSON.stringify(index);
    serializeImapValue(index.bodyStructure);
  });

  test('10,000-deep message/rfc822 nesting is cut at the depth limit', () => {
    const raw = Buffer.from('Content-Type: message/rfc822\r\n\r\n'.repeat(10000) + 'x\r\n');
    assert.equal(depthOf(indexMessage(raw).root), DEFAULT_LIMITS.maxDepth);
  });

  test('part count stays bounded', () => {
    const chunks = ['Content-Type: multipart/mixed; boundary=z\r\n\r\n'];
    for (let i = 0; i < 30000; i++) chunks.push('--z\r\n\r\nx\r\n');
    const index = indexMessage(Buffer.from(chunks.join('')));
    assert.equal(countParts(index.root), DEFAULT_LIMITS.maxParts);
  });

  test('a 5 MB single header line', () => {
    const raw = Buffer.from(`Subject: ${'s'.repeat(5 << 20)}\r\nTo: ${'a@b, '.repeat(100000)}\r\n\r\nbody\r\n`);
    const index = indexMessage(raw);
    assert.equal(cut(raw, index.root.body), 'body\r\n');
    assert.equal(((index.envelope as ImapValue[])[1] as string).length, 5 << 20);
  });

  test('a boundary that never closes', () => {
    const raw = crlf(['Content-Type: multipart/mixed; boundary=open', '', '--open', 'Content-Type: text/plain', '', 'runs to the end', 'and on']);
    const index = indexMessage(raw);
    assert.equal(index.root.parts!.length, 1);
    assert.equal(cut(raw, index.root.parts![0]!.body), 'runs to the end\r\nand on');
  });

  test('a 20 MB message is indexed in linear time', () => {
    const line = 'the quick brown fox jumps over the lazy dog 0123456789\r\n';
    const body = line.repeat(Math.ceil((20 << 20) / line.length));
    const raw = Buffer.from(`Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain\r\n\r\n${body}\r\n--q\r\n\r\n-${body}\r\n--q--\r\n`);
    const started = performance.now();
    const index = indexMessage(raw);
    assert.ok(performance.now() - started < 20000);
    assert.equal(index.root.parts!.length, 2);
    assert.ok(index.text.length <= (1 << 20));
  });
});
