import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sieveExtensions } from '../src/sieve/capabilities.ts';
import { decodeSieveScript, parseSieve } from '../src/sieve/parse.ts';
import { mutatedScripts } from './helpers/sieve.ts';

const ok = (text: string) => {
  const result = parseSieve(text);
  assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.errors));
  return result.script;
};
const errors = (text: string) => {
  const result = parseSieve(text);
  assert.ok(!result.ok, 'expected errors');
  return result.errors;
};

test('the RFC 5228 grammar: comments, multi-line strings with dot-stuffing, lists, tags, numbers, blocks', () => {
  const script = ok(
    [
      'require ["fileinto", "vacation"]; # hash comment',
      '/* bracket',
      '   comment */',
      'if anyof (header :contains ["Subject", "X-Tag"] "urgent", size :over 1K) {',
      '  fileinto "Urgent";',
      '} elsif not exists "From" { discard; } else { keep; }',
      'vacation :days 7 text:   # after text:',
      'Away.',
      '..dot first',
      '.',
      ';',
    ].join('\r\n'),
  );
  assert.deepEqual(script.requires, ['fileinto', 'vacation']);
  assert.deepEqual(script.commands.map((c) => c.name), ['if', 'elsif', 'else', 'vacation']);
  const size = script.commands[0]!.test!.tests[1]!;
  assert.deepEqual(size.tags.get('over')!.value, { kind: 'number', value: 1024, pos: { line: 4, column: 70 } });
  assert.equal(script.commands[3]!.positional[0]!.kind === 'string' && script.commands[3]!.positional[0]!.value, 'Away.\r\n.dot first\r\n');
  assert.equal(script.commands[3]!.tags.get('days')!.value!.kind, 'number');
  const escaped = ok('if header :is "x" "a\\"b\\\\c\\d" { stop; }').commands[0]!.test!.positional[1]!;
  assert.equal(escaped.kind === 'string' && escaped.value, 'a"b\\cd', 'escapes of RFC 5228 2.4.2');
  for (const [text, value] of [['1', 1], ['2k', 2048], ['3M', 3 * 1024 ** 2], ['4G', 4 * 1024 ** 3]] as const) {
    const n = ok(`if size :under ${text} { stop; }`).commands[0]!.test!.tags.get('under')!.value!;
    assert.equal(n.kind === 'number' && n.value, value);
  }
  assert.equal(ok('require "encoded-character"; if header :is "x" "${hex:41 42}${unicode:e9}" {stop;}').commands[0]!.test!.positional[1]!.kind, 'string');
});

test('each extension of the capability list is accepted by require, unknown ones are not', () => {
  ok(`require ${JSON.stringify(sieveExtensions)};`);
  assert.deepEqual(errors('require ["fileinto", "regex"];'), [{ line: 1, column: 9, message: 'unsupported extension "regex"' }]);
});

test('errors carry the line and column of what is wrong', () => {
  assert.deepEqual(errors('keep;\nfileinto "x";'), [{ line: 2, column: 1, message: 'fileinto needs require "fileinto"' }]);
  assert.deepEqual(errors('if true {\n  keep\n}'), [{ line: 3, column: 1, message: 'expected ";" or "{" after keep but found "}"' }]);
  assert.deepEqual(errors('require "fileinto";\nfileinto :copy "x";'), [{ line: 2, column: 10, message: ':copy needs require "copy"' }]);
  assert.deepEqual(errors('if header :is :contains "a" "b" { stop; }'), [{ line: 1, column: 15, message: ':contains cannot be used with :is' }]);
  assert.deepEqual(errors('if size 10 { stop; }')[0]!.message, 'size needs one of :over or :under');
  assert.deepEqual(errors('if header :comparator "i;ascii-numeric" "a" "b" { stop; }')[0]!.message, 'comparator "i;ascii-numeric" needs require "comparator-i;ascii-numeric"');
  assert.deepEqual(errors('require "relational";\nif header :value "zz" "a" "1" { stop; }')[0]!.message, 'unknown relational operator "zz"');
  assert.deepEqual(errors('keep;\nrequire "fileinto";')[0]!, { line: 2, column: 1, message: 'require must come before any other command' });
  assert.deepEqual(errors('else { stop; }')[0]!.message, 'else must follow if or elsif');
  assert.deepEqual(errors('redirect;')[0]!.message, 'redirect takes 1 argument besides tags, not 0');
  assert.deepEqual(errors('redirect ["a", "b"];')[0]!.message, 'redirect expects a string here');
  assert.deepEqual(errors('require "variables";\nset "1bad" "x";')[0]!, { line: 2, column: 5, message: '"1bad" is not a variable name' });
  assert.deepEqual(errors('require "date";\nif date "date" "century" "1" { stop; }')[0]!.message, 'unknown date part "century"');
  assert.deepEqual(errors('if header :is "a" "b"')[0]!.message, 'expected ";" or "{" after if but found the end of the script');
  assert.deepEqual(errors('if keep { stop; }')[0]!.message, 'keep is a command, not a test');
  assert.deepEqual(errors('if true { stop; } elsif { stop; }')[0]!.message, 'elsif needs one test');
  assert.deepEqual(errors('stop { keep; }')[0]!.message, 'stop takes no block');
  assert.ok(errors('x; y; z;').length === 3, 'several errors at once');
  assert.equal(errors(Array.from({ length: 100 }, () => 'bogus;').join('\n')).length, 20, 'at most 20 errors');
});

test('hostile scripts get an error, never a crash or a hang', () => {
  assert.match(errors(`${'if true {'.repeat(100)}${'}'.repeat(100)}`)[0]!.message, /nested too deep/);
  assert.match(errors(`if ${'not '.repeat(5000)}true { stop; }`)[0]!.message, /nested too deep/);
  assert.match(errors(`if ${'anyof('.repeat(5000)}`)[0]!.message, /nested too deep/);
  assert.match(errors(`redirect "${'a'.repeat(300_000)}";`)[0]!.message, /script too large/);
  assert.match(errors('redirect "abc')[0]!.message, /unterminated string/);
  assert.match(errors('redirect "abc\\')[0]!.message, /unterminated string/);
  assert.deepEqual(errors('keep;\nredirect text:\nno end\n..\n'), [{ line: 2, column: 10, message: 'unterminated multi-line string (no line with a single ".")' }]);
  assert.match(errors('redirect text: junk\n.\n;')[0]!.message, /a line end must follow "text:"/);
  assert.match(errors('/* never closed')[0]!.message, /unterminated \/\* comment/);
  assert.match(errors('if size :over 99999999999999999999 { stop; }')[0]!.message, /number too large/);
  assert.match(errors('if size :over 9999999999999G { stop; }')[0]!.message, /number too large/);
  assert.match(errors(`if size :over ${'9'.repeat(100_000)} { stop; }`)[0]!.message, /number too large/);
  assert.match(errors('keep; \u0001')[0]!.message, /unexpected character/);
  assert.match(errors(`${'a'.repeat(5000)};`)[0]!.message, /identifier too long/);
  assert.match(errors('redirect "\uD800";')[0]!.message, /not valid UTF-8/);
  assert.match(errors('require ["fileinto",];')[0]!.message, /expected a string/);
  assert.match(errors('require [];')[0]!.message, /expected a string/);
  assert.match(errors('require "encoded-character"; redirect "${unicode:D800}";')[0]!.message, /invalid unicode/);
  // Many escapes in one string stay linear (a quadratic lexer would take minutes here).
  assert.ok(parseSieve(`redirect "${'\\a'.repeat(100_000)}";`).ok);
});

test('script bytes that are not UTF-8 are refused with their position', () => {
  const bytes = Buffer.concat([Buffer.from('keep;\nredirect "ab'), Buffer.from([0xc3, 0x28]), Buffer.from('";')]);
  assert.deepEqual(decodeSieveScript(bytes), { ok: false, errors: [{ line: 2, column: 13, message: 'script is not valid UTF-8' }] });
  assert.deepEqual(decodeSieveScript(Buffer.from('keep; # é')), { ok: true, text: 'keep; # é' });
  assert.equal(decodeSieveScript(Buffer.from([0xff, 0xfe, 0xfd])).ok, false);
});

test('mutated scripts (seeded) give a result or errors with a position, never an exception', () => {
  let parsed = 0;
  for (const text of mutatedScripts(3000, 16)) {
    const result = parseSieve(text);
    if (result.ok) parsed++;
    else for (const e of result.errors) assert.ok(e.line >= 1 && e.column >= 1 && e.message.length > 0, JSON.stringify(e));
  }
  assert.ok(parsed > 0 && parsed < 3000, `${parsed} of 3000 mutated scripts still parse`);
});
