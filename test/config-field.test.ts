import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { check, Field, INVALID, leaf, list, table, type Problem } from '../src/config/field.ts';
import { defaultConfig } from '../src/config/defaults.ts';
import { ConfigError } from '../src/config/error.ts';
import { loadConfig } from '../src/config/load.ts';
import { problemLines } from '../src/config/problems.ts';
import { fileSchema } from '../src/config/schema.ts';

const root = mkdtempSync(join(tmpdir(), 'mailfold-config-field-'));
after(() => rmSync(root, { recursive: true, force: true }));

const num = leaf((v) => (typeof v === 'number' ? v : null), (v) => `expected a number, got ${String(v)}`);
const shape = { a: num.default(1), b: num.optional(), c: num };
const t = table(shape, (v) => `not a table: ${typeof v}`, (key, known) => `unknown ${key} of ${known.join('/')}`);

const read = <T>(field: Field<T>, value: unknown) => {
  const problems: Problem[] = [];
  return { value: field.read(value, ['k'], problems), problems };
};

test('a leaf keeps what it accepts and names what it does not', () => {
  assert.deepEqual(read(num, 5), { value: 5, problems: [] });
  assert.deepEqual(read(num, 'x'), { value: INVALID, problems: [{ path: ['k'], message: 'expected a number, got x' }] });
  assert.deepEqual(read(num, undefined).problems, [{ path: ['k'], message: 'expected a number, got undefined' }]);
});

test('default, optional, refine and map', () => {
  assert.equal(read(num.default(7), undefined).value, 7);
  assert.equal(read(num.default(7), 3).value, 3);
  assert.equal(read(num.default(7), 'x').value, INVALID);
  assert.deepEqual(read(num.optional(), undefined), { value: undefined, problems: [] });
  const even = num.refine((n) => n % 2 === 0, 'must be even');
  assert.deepEqual(read(even, 3), { value: INVALID, problems: [{ path: ['k'], message: 'must be even' }] });
  assert.equal(read(even, 4).value, 4);
  // A value that fails its type is not also told it fails the refinement.
  assert.deepEqual(read(even, 'x').problems, [{ path: ['k'], message: 'expected a number, got x' }]);
  assert.equal(read(num.map((n) => n * 2), 4).value, 8);
  assert.equal(read(num.map((n) => n * 2), 'x').value, INVALID);
});

test('a table fills defaults, leaves optional keys out, keeps the shape order, and reports every problem', () => {
  assert.deepEqual(check(t, { c: 3 }), { ok: true, value: { a: 1, c: 3 } });
  assert.deepEqual(Object.keys((check(t, { c: 3, b: 2, a: 1 }) as { value: object }).value), ['a', 'b', 'c']);
  assert.deepEqual(check(t, { a: 'x', d: 1, e: 2 }), {
    ok: false,
    problems: [
      { path: ['a'], message: 'expected a number, got x' },
      { path: ['c'], message: 'expected a number, got undefined' },
      { path: [], key: 'd', message: 'unknown d of a/b/c' },
      { path: [], key: 'e', message: 'unknown e of a/b/c' },
    ],
  });
  // Left out, a table is an empty one.
  assert.deepEqual(check(table({ a: num.default(1) }, String, String), undefined), { ok: true, value: { a: 1 } });
  for (const notTable of [[], new Date(0), null, 'x', 1, true]) {
    assert.deepEqual(check(t, notTable), { ok: false, problems: [{ path: [], message: `not a table: ${typeof notTable}` }] }, String(notTable));
  }
});

test('a table rule sees the table as written and names the key it is about', () => {
  const pair = table({ x: num.optional(), y: num.optional() }, String, String, [
    (raw) => ((raw.x === undefined) === (raw.y === undefined) ? [] : [{ key: raw.x === undefined ? 'x' : 'y', message: 'pair' }]),
  ]);
  assert.deepEqual(check(pair, { x: 1, y: 2 }), { ok: true, value: { x: 1, y: 2 } });
  assert.deepEqual(check(pair, {}), { ok: true, value: {} });
  assert.deepEqual(check(pair, { x: 1 }), { ok: false, problems: [{ path: ['y'], message: 'pair' }] });
});

test('only own keys count: prototype names are unknown keys and pollute nothing', () => {
  const input = JSON.parse('{"__proto__": {"c": 1, "polluted": 1}, "constructor": 2, "toString": 3, "hasOwnProperty": 4}') as Record<string, unknown>;
  const result = check(t, input);
  assert.ok(!result.ok);
  assert.deepEqual(
    result.problems.map((p) => p.key ?? p.path.join('.')),
    ['c', '__proto__', 'constructor', 'toString', 'hasOwnProperty'],
  );
  const inherited = Object.create({ c: 1 }) as object;
  assert.deepEqual(check(t, inherited), { ok: false, problems: [{ path: ['c'], message: 'expected a number, got undefined' }] });
  assert.equal((Object.prototype as Record<string, unknown>).polluted, undefined);
});

test('a list reads each item at its index; a list too long is one problem', () => {
  const nums = list(num, 3, (v) => `a short list, got ${Array.isArray(v) ? v.length : typeof v}`);
  assert.deepEqual(check(nums, [1, 2]), { ok: true, value: [1, 2] });
  assert.deepEqual(check(nums, [1, 'x', 'y']), {
    ok: false,
    problems: [
      { path: [1], message: 'expected a number, got x' },
      { path: [2], message: 'expected a number, got y' },
    ],
  });
  assert.deepEqual(check(nums, new Array(1_000_000).fill('x')), { ok: false, problems: [{ path: [], message: 'a short list, got 1000000' }] });
  assert.deepEqual(check(nums, { 0: 1 }), { ok: false, problems: [{ path: [], message: 'a short list, got object' }] });
});

const schema = fileSchema(defaultConfig('system', root));
const lines = (input: unknown) => {
  const result = check(schema, input);
  return result.ok ? [] : problemLines(result.problems, input);
};

test('the schema: a wrong type at any level is one line at that key', () => {
  const defaults = defaultConfig('system', root);
  for (const [section, value] of Object.entries(defaults)) {
    if (section === 'config_file' || section === 'data_dir') continue;
    if (typeof value === 'object' && !Array.isArray(value)) {
      assert.deepEqual(lines({ [section]: 'x' }), [`${section}: expected a table, got "x"`]);
      for (const [key, sub] of Object.entries(value)) {
        const got = lines({ [section]: { [key]: { deep: { deeper: [1] } } } });
        const isTable = typeof sub === 'object' && !Array.isArray(sub);
        assert.deepEqual(got.length, 1, `${section}.${key}`);
        assert.match(got[0]!, isTable ? new RegExp(`^${section}\\.${key}: unknown key "deep"$`) : new RegExp(`^${section}\\.${key}: .*got a table$`));
        if (isTable) assert.deepEqual(lines({ [section]: { [key]: 5 } }), [`${section}.${key}: expected a table, got 5`]);
      }
    } else {
      assert.deepEqual(lines({ [section]: { a: 1 } }).length, 1, section);
    }
  }
  assert.deepEqual(lines({ listeners: { imap: { port: [1] } } }), ['listeners.imap.port: expected an integer from 1 to 65535, got an array']);
  assert.deepEqual(lines({ smtp: { smarthost: new Date(0) } }), ['smtp.smarthost: expected a table, got a date']);
  assert.deepEqual(lines({ smtp: { smarthost: { host: ['relay.example'] } } }), [
    'smtp.smarthost.host: expected a host name of letters, digits, hyphens and dots, like "mail.example.org", got an array',
  ]);
  assert.deepEqual(lines([]), ['expected a table, got an array']);
});

test('the schema: numbers that are not whole, finite or in range, and one line each', () => {
  for (const bad of [NaN, Infinity, -Infinity, 1e20, 0.5, -1, 2 ** 53]) {
    assert.deepEqual(lines({ listeners: { imap: { port: bad } } }), [`listeners.imap.port: expected an integer from 1 to 65535, got ${String(bad)}`]);
  }
  assert.deepEqual(lines({ limits: { message_size: 1.5 } }), ['limits.message_size: expected a size from 1k to 1G (bytes, or a string like "64k", "50M", "1G"), got 1.5']);
  assert.deepEqual(lines({ queue: { retry_first: '99999999999999999999d' } }), [
    'queue.retry_first: expected a duration from 1s to 1d (seconds, or a string like "30s", "5m", "4h", "5d"), got "99999999999999999999d"',
  ]);
});

test('the schema: huge values give a short line, quickly', () => {
  const long = 'a'.repeat(5_000_000);
  const [line] = lines({ hostname: long });
  assert.equal(line, `hostname: expected a host name of letters, digits, hyphens and dots, like "mail.example.org", got "${'a'.repeat(200)}"... (5000000 characters)`);
  assert.deepEqual(lines({ [long]: 1 }), [`unknown key "${'a'.repeat(200)}"... (5000000 characters)`]);
  assert.deepEqual(lines({ dns: { servers: new Array(1_000_000).fill('127.0.0.1') } }), [
    'dns.servers: expected a list of up to 8 strings like "127.0.0.1" or "127.0.0.1:5353", got an array',
  ]);
  const many = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key${i}`, i]));
  assert.equal(lines({ log: many }).length, 10_000);
});

test('the schema: deep nesting is read no deeper than the schema goes', () => {
  let deep: unknown = 1;
  for (let i = 0; i < 200_000; i++) deep = { x: deep };
  assert.deepEqual(lines({ log: deep }), ['log: unknown key "x"']);
  assert.deepEqual(lines({ smtp: { smarthost: { host: 'relay.example', extra: deep } } }), ['smtp.smarthost: unknown key "extra"']);
});

function loadText(text: string): string[] {
  const file = join(mkdtempSync(join(root, 'case-')), 'mailfold.toml');
  writeFileSync(file, text);
  try {
    loadConfig({ profile: 'dev', file, env: {} });
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((line) => line.replace(file, 'FILE'));
  }
  return [];
}

test('TOML with prototype names as keys: unknown keys, in the order written, nothing polluted', () => {
  assert.deepEqual(loadText('__proto__ = 1\nconstructor = "x"\n[log.__proto__]\nlevel = "debug"\n[listeners.constructor]\nport = 1\n[toString]\n'), [
    'unknown key "__proto__"',
    'unknown key "constructor"',
    'log: unknown key "__proto__"',
    'listeners: unknown key "constructor"',
    'unknown key "toString"',
  ]);
  assert.deepEqual(loadText('[log]\n__proto__ = { level = "debug" }\nlevel = "warn"\n'), ['log: unknown key "__proto__"']);
  assert.equal((Object.prototype as Record<string, unknown>).level, undefined);
});

test('TOML values the schema has no use for: dates, inf, nan, inline tables nested deep', () => {
  assert.deepEqual(loadText('[queue]\nretry_first = 1979-05-27\nconcurrency = inf\nmx_port = nan\n'), [
    'queue.retry_first: expected a duration from 1s to 1d (seconds, or a string like "30s", "5m", "4h", "5d"), got a date',
    'queue.concurrency: expected an integer from 1 to 1000, got Infinity',
    'queue.mx_port: expected an integer from 1 to 65535, got NaN',
  ]);
  assert.deepEqual(loadText('log = 1979-05-27T07:32:00Z\n'), ['log: expected a table, got a date']);
  const nested = `x = ${'{ a = '.repeat(500)}1${' }'.repeat(500)}\n`;
  assert.deepEqual(loadText(nested), ['unknown key "x"']);
});
