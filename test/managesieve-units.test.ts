import assert from 'node:assert/strict';
import test from 'node:test';
import { parseCommand } from '../src/sieve/managesieve/parser.ts';
import { SieveReader, type SieveInput } from '../src/sieve/managesieve/reader.ts';
import { sieveString, statusLine } from '../src/sieve/managesieve/response.ts';

/** Feeds `bytes` one chunk of `size` at a time, as a slow network would. */
function framed(bytes: string | Buffer, size: number, limits = { maxLine: 100, maxLiteral: 50 }): SieveInput[] {
  const reader = new SieveReader(limits);
  const data = Buffer.from(bytes);
  const out: SieveInput[] = [];
  for (let at = 0; at < data.length; at += size) out.push(...reader.push(data.subarray(at, at + size)));
  return out;
}

const words = (input: SieveInput) => {
  assert.equal(input.type, 'command');
  const { name, args } = parseCommand((input as { lines: Buffer[] }).lines, (input as { literals: Buffer[] }).literals);
  return [name, ...args.map((a) => (a.type === 'string' ? a.bytes.toString() : a.type === 'number' ? a.value : a.text))];
};

test('reader: commands with literals ({n+} and {n}) come out whole, however the bytes are cut', () => {
  const stream = 'PUTSCRIPT "a" {6+}\r\nkeep;\n\r\nPUTSCRIPT {1}\r\nb {0+}\r\n\r\nhavespace "x" 42\r\nNOOP\n';
  for (const size of [1, 2, 3, 7, 1000]) {
    assert.deepEqual(framed(stream, size).map(words), [['PUTSCRIPT', 'a', 'keep;\n'], ['PUTSCRIPT', 'b', ''], ['HAVESPACE', 'x', 42], ['NOOP']], `chunks of ${size}`);
  }
});

test('reader: a refused command is read to its end, literals included, and nothing of it is kept', () => {
  const big = `PUTSCRIPT "a" {60+}\r\n${'{9+}\r\n'.repeat(10)}\r\nNOOP\r\n`;
  assert.deepEqual(framed(big, 5).map((i) => (i.type === 'refused' ? i.reason : words(i))), ['literal-too-big', ['NOOP']]);
  // A literal announced at the end of an over-long line is still skipped: its bytes are not taken for commands.
  const long = `NOOP ${'x'.repeat(200)} {12+}\r\nLOGOUT\r\nxx\r\n\r\nNOOP\r\n`;
  for (const size of [1, 16, 1000]) assert.deepEqual(framed(long, size).map((i) => (i.type === 'refused' ? i.reason : words(i))), ['line-too-long', ['NOOP']], `chunks of ${size}`);
});

test('responses: strings quoted when they can be, literals otherwise; status lines with codes', () => {
  assert.equal(sieveString('a "b" \\').toString(), '"a \\"b\\" \\\\"');
  assert.equal(sieveString('two\r\nlines').toString(), '{10}\r\ntwo\r\nlines');
  assert.equal(sieveString('x'.repeat(1025)).toString(), `{1025}\r\n${'x'.repeat(1025)}`);
  assert.equal(statusLine('NO', 'Too big', 'QUOTA/MAXSIZE').toString(), 'NO (QUOTA/MAXSIZE) "Too big"\r\n');
  assert.equal(statusLine('OK').toString(), 'OK\r\n');
});
