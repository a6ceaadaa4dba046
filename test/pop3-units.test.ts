import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DotStuffer } from '../src/pop3/dot-stuffer.ts';
import { LineReader, type LineEvent } from '../src/pop3/line-reader.ts';
import { uidlOf } from '../src/pop3/maildrop.ts';
import { parseCommand, parseNumber, splitArguments } from '../src/pop3/parser.ts';
import { TopLimiter } from '../src/pop3/top-limiter.ts';

/** Every way of cutting `data` in two, and in single bytes. */
function splits(data: Buffer): Buffer[][] {
  const out: Buffer[][] = [[data], [...data].map((b) => Buffer.from([b]))];
  for (let i = 1; i < data.length; i++) out.push([data.subarray(0, i), data.subarray(i)]);
  return out;
}

test('command lines: keyword, rest, and refusals', () => {
  assert.deepEqual(parseCommand('retr 1'), { ok: true, name: 'RETR', rest: '1' });
  assert.deepEqual(parseCommand('PASS pass word with spaces '), { ok: true, name: 'PASS', rest: 'pass word with spaces ' });
  assert.deepEqual(parseCommand('CAPA'), { ok: true, name: 'CAPA', rest: '' });
  for (const bad of ['', 'RETRIEVE 1', 'R1 1', ' LIST', 'LI', 'LIST\x001', 'NOOP\x7f', '\u00e9t\u00e9']) {
    assert.equal(parseCommand(bad).ok, false, JSON.stringify(bad));
  }
  assert.deepEqual(splitArguments('1 10', 2), ['1', '10']);
  assert.equal(splitArguments('1  10', 2), null, 'empty argument');
  assert.equal(splitArguments('1 2 3', 2), null, 'too many');
  assert.deepEqual(splitArguments('', 2), []);
  assert.equal(parseNumber('0017'), 17);
  for (const bad of ['', '-1', '+1', '1.5', '1e3', '1234567890', ' 1', undefined]) assert.equal(parseNumber(bad), null, String(bad));
});

test('lines: CRLF or LF, split anywhere, over-long ones reported once and skipped', () => {
  const input = Buffer.from('USER a\r\nPASS b c\nNOOP\r\n');
  for (const parts of splits(input)) {
    const reader = new LineReader(100);
    const events = parts.flatMap((p) => reader.push(p));
    assert.deepEqual(events.map((e) => (e.type === 'line' ? e.line.toString() : e.type)), ['USER a', 'PASS b c', 'NOOP']);
  }
  const long = Buffer.from(`NOOP\r\n${'x'.repeat(30)}\r\nSTAT\r\n`);
  for (const parts of splits(long)) {
    const reader = new LineReader(10);
    const events: LineEvent[] = parts.flatMap((p) => reader.push(p));
    assert.deepEqual(events.map((e) => (e.type === 'line' ? e.line.toString() : e.type)), ['NOOP', 'too-long', 'STAT']);
  }
  const exact = new LineReader(4);
  assert.deepEqual(exact.push(Buffer.from('ABCD\r\nABCDE\r\n')).map((e) => e.type), ['line', 'too-long']);
  // A line that never ends costs nothing past the limit.
  const endless = new LineReader(10);
  assert.deepEqual(endless.push(Buffer.alloc(1000, 0x41)).map((e) => e.type), ['too-long']);
  assert.deepEqual(endless.push(Buffer.alloc(1000, 0x41)), []);
  assert.deepEqual(endless.push(Buffer.from('A\r\nQUIT\r\n')).map((e) => e.type), ['line']);
});

/** The reference: stuffing the whole message at once, line by line. */
function stuffWhole(message: Buffer): Buffer {
  const text = message.toString('latin1');
  const stuffed = text.replace(/(^|\n)\./g, '$1..');
  return Buffer.from(stuffed + (text === '' || text.endsWith('\n') ? '' : '\r\n') + '.\r\n', 'latin1');
}

test('byte-stuffing is the same however the message is cut into chunks', () => {
  const samples = ['.\r\n', '..\r\nA\r\n.B\r\n', 'a.\r\n.\r\n.', 'no final newline', '', '\r\n.\r\n\r\n..', 'x\r\n.'];
  for (const sample of samples) {
    const message = Buffer.from(sample);
    for (const parts of splits(message)) {
      const stuffer = new DotStuffer();
      const out = Buffer.concat([...parts.map((p) => stuffer.push(p)), stuffer.end()]);
      assert.equal(out.toString(), stuffWhole(message).toString(), `${JSON.stringify(sample)} in ${parts.length} parts`);
    }
  }
});

test('TOP takes the header, the empty line and n body lines across chunk boundaries', () => {
  const message = Buffer.from('A: 1\r\nB: 2\r\n\r\nline1\r\nline2\r\n\r\nline4\r\n');
  const expected: Record<number, string> = {
    0: 'A: 1\r\nB: 2\r\n\r\n',
    1: 'A: 1\r\nB: 2\r\n\r\nline1\r\n',
    3: 'A: 1\r\nB: 2\r\n\r\nline1\r\nline2\r\n\r\n',
    99: message.toString(),
  };
  for (const [n, want] of Object.entries(expected)) {
    for (const parts of splits(message)) {
      const limiter = new TopLimiter(Number(n));
      const taken: Buffer[] = [];
      for (const part of parts) {
        taken.push(limiter.take(part));
        if (limiter.done) break;
      }
      assert.equal(Buffer.concat(taken).toString(), want, `TOP ${n} in ${parts.length} parts`);
    }
  }
  const headerOnly = new TopLimiter(5);
  assert.equal(headerOnly.take(Buffer.from('A: 1\r\nB: 2\r\n')).toString(), 'A: 1\r\nB: 2\r\n');
  assert.equal(headerOnly.done, false);
});

test('UIDL values are printable, unique per message and at most 70 characters', () => {
  const a = uidlOf(1_700_000_000, 1);
  assert.match(a, /^[\x21-\x7e]{1,70}$/);
  assert.notEqual(a, uidlOf(1_700_000_000, 2));
  assert.notEqual(a, uidlOf(1_700_000_001, 1));
  assert.equal(a, uidlOf(1_700_000_000, 1));
});
