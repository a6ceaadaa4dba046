import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { ACCOUNT_LIMITS, MAX_ENTRIES_PER_COMMAND, MAX_VALUE, parseEntries, parseEntryValues, parseGetOptions, selectEntries } from '../src/imap/metadata.ts';
import { ParseError, Parser } from '../src/imap/parser.ts';
import { addAccount, RawImap } from './helpers/imap.ts';
import { aliceSession, assertAllBad } from './helpers/imap-inbox.ts';

const BOB = 'bob@example.org';

const setup = (t: TestContext) => aliceSession(t);

test('METADATA parsers: entry names, options, values', () => {
  const p = (s: string) => new Parser(Buffer.from(s));
  assert.deepEqual(parseEntries(p('(/private/Comment /shared/x/y)')), ['/private/comment', '/shared/x/y']);
  assert.deepEqual(parseEntries(p('/Shared')), ['/shared']);
  assert.throws(() => parseEntryValues(p('(/private "x")')), ParseError);
  for (const bad of ['/other/x', '/privatex', '/private/', '/private/a//b', '"/private/a*"', '"/private/\x01"', '"/private/a%"', '()']) {
    assert.throws(() => parseEntries(p(bad)), ParseError, bad);
  }
  assert.throws(() => parseEntries(p(`(${Array.from({ length: MAX_ENTRIES_PER_COMMAND + 1 }, (_, i) => `/private/e${i}`).join(' ')})`)), ParseError);
  assert.deepEqual(parseGetOptions(p('(MAXSIZE 10 DEPTH infinity)')), { maxSize: 10, depth: Infinity });
  assert.throws(() => parseGetOptions(p('(DEPTH 2)')), ParseError);
  assert.throws(() => parseGetOptions(p('(MAXSIZE 1 MAXSIZE 2)')), ParseError);
  const values = parseEntryValues(p('(/private/a "x" /shared/b NIL /private/c ~{2}\r\n\0a)'));
  assert.deepEqual(values.map((v) => v.value?.toString('latin1') ?? null), ['x', null, '\0a']);
  assert.throws(() => parseEntryValues(p('(/private/a "x" /private/A "y")')), ParseError);
  const stored = [
    { entry: '/private/a', value: Buffer.from('1') },
    { entry: '/private/a/b', value: Buffer.from('22') },
    { entry: '/private/a/b/c', value: Buffer.from('333') },
  ];
  assert.deepEqual(selectEntries(stored, ['/private/a'], { maxSize: null, depth: 1 }).found.map((e) => e.entry), ['/private/a', '/private/a/b']);
  assert.deepEqual(selectEntries(stored, ['/private/a'], { maxSize: 2, depth: Infinity }).longest, 3);
  assert.deepEqual(selectEntries(stored, ['/private/none'], { maxSize: null, depth: 0 }).found, [{ entry: '/private/none', value: null }]);
});

test('METADATA: set, get, depth, MAXSIZE, delete, server entries, survives RENAME, gone with DELETE', async (t) => {
  const env = await setup(t);
  const { c } = env;
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, / METADATA METADATA-SERVER /);
  assert.equal((await c.command('s1', 'SETMETADATA INBOX (/private/comment "My comment" /shared/comment "Shared" /private/comment/sub "deep")')).at(-1), 's1 OK SETMETADATA completed');
  assert.deepEqual(await c.command('g1', 'GETMETADATA INBOX (/private/Comment /shared/comment /private/missing)'), [
    '* METADATA "INBOX" ("/private/comment" "My comment" "/shared/comment" "Shared" "/private/missing" NIL)',
    'g1 OK GETMETADATA completed',
  ]);
  assert.deepEqual(await c.command('g2', 'GETMETADATA (DEPTH 1) INBOX /private/comment'), [
    '* METADATA "INBOX" ("/private/comment" "My comment" "/private/comment/sub" "deep")',
    'g2 OK GETMETADATA completed',
  ]);
  assert.deepEqual(await c.command('g2b', 'GETMETADATA (DEPTH infinity) INBOX (/private /shared)'), [
    '* METADATA "INBOX" ("/private/comment" "My comment" "/private/comment/sub" "deep" "/shared/comment" "Shared")',
    'g2b OK GETMETADATA completed',
  ]);
  assert.deepEqual(await c.command('g3', 'GETMETADATA (MAXSIZE 5 DEPTH infinity) INBOX /private/comment'), [
    '* METADATA "INBOX" ("/private/comment/sub" "deep")',
    'g3 OK [METADATA LONGENTRIES 10] GETMETADATA completed',
  ]);
  // A value with NUL and CR LF comes back byte for byte, as literal8.
  c.send('s2 SETMETADATA "" (/shared/admin ~{4}\r\na\0\r\n)\r\n');
  assert.equal((await c.until('s2')).at(-1), 's2 OK SETMETADATA completed');
  assert.deepEqual(await c.command('g4', 'GETMETADATA "" /shared/admin'), ['* METADATA "" ("/shared/admin" ~{4}', 'a\0', ')', 'g4 OK GETMETADATA completed']);
  assert.equal((await c.command('s3', 'SETMETADATA INBOX (/private/comment NIL)')).at(-1), 's3 OK SETMETADATA completed');
  assert.deepEqual(await c.command('g5', 'GETMETADATA INBOX /private/comment'), ['* METADATA "INBOX" ("/private/comment" NIL)', 'g5 OK GETMETADATA completed']);
  // Annotations belong to the mailbox: they follow a rename, and go with a delete.
  await c.command('cr', 'CREATE Work');
  await c.command('s4', 'SETMETADATA Work (/private/color "red")');
  await c.command('rn', 'RENAME Work Job');
  assert.equal((await c.command('g6', 'GETMETADATA Job /private/color'))[0], '* METADATA "Job" ("/private/color" "red")');
  await c.command('dl', 'DELETE Job');
  assert.match((await c.command('g7', 'GETMETADATA Job /private/color')).at(-1)!, /^g7 NO \[NONEXISTENT\]/);
  await c.command('cr2', 'CREATE Job');
  assert.equal((await c.command('g8', 'GETMETADATA Job /private/color'))[0], '* METADATA "Job" ("/private/color" NIL)');
  // The store check knows nothing of annotations and finds nothing wrong with them.
  assert.deepEqual(await env.store.check({ repair: false }), []);
});

test('METADATA hostile: oversized values, too many entries, too many bytes per account, bad syntax', async (t) => {
  const env = await setup(t);
  const { c } = env;
  const big = 'x'.repeat(MAX_VALUE + 1);
  c.send(`b1 SETMETADATA INBOX (/private/big {${big.length}+}\r\n${big})\r\n`);
  assert.equal((await c.until('b1')).at(-1), `b1 NO [METADATA MAXSIZE ${MAX_VALUE}] Values are limited to ${MAX_VALUE} octets`);
  // Up to the account's entry count, then TOOMANY; nothing of a refused command is kept.
  const perCommand = MAX_ENTRIES_PER_COMMAND;
  for (let i = 0; i < ACCOUNT_LIMITS.maxEntries; i += perCommand) {
    const items = Array.from({ length: perCommand }, (_, j) => `/private/n${i + j} "v"`).join(' ');
    assert.equal((await c.command('f', `SETMETADATA INBOX (${items})`)).at(-1), 'f OK SETMETADATA completed');
  }
  assert.match((await c.command('t1', 'SETMETADATA "" (/private/one-more "v" /private/two "w")')).at(-1)!, /^t1 NO \[METADATA TOOMANY\]/);
  assert.equal((await c.command('t2', 'GETMETADATA "" /private/two'))[0], '* METADATA "" ("/private/two" NIL)');
  // Replacing an existing entry is fine; removing makes room.
  assert.equal((await c.command('t3', 'SETMETADATA INBOX (/private/n0 "w" /private/n1 NIL /private/fresh "z")')).at(-1), 't3 OK SETMETADATA completed');
  // Bytes per account: another account (fresh) fills its budget with large values.
  await addAccount(env.store, BOB);
  const b = await RawImap.connect(env.port);
  t.after(() => b.close());
  await b.login(BOB);
  const value = 'y'.repeat(MAX_VALUE);
  let refused = '';
  for (let i = 0; i * MAX_VALUE <= ACCOUNT_LIMITS.maxBytes; i++) {
    b.send(`v${i} SETMETADATA INBOX (/shared/v${i} {${value.length}+}\r\n${value})\r\n`);
    const last = (await b.until(`v${i}`)).at(-1)!;
    if (!last.startsWith(`v${i} OK`)) {
      refused = last;
      break;
    }
  }
  assert.match(refused, /^v\d+ NO \[OVERQUOTA\]/);
  // Alice's entries are hers alone.
  assert.equal((await b.command('o', 'GETMETADATA INBOX /private/n0'))[0], '* METADATA "INBOX" ("/private/n0" NIL)');
  await assertAllBad(c, [
    'SETMETADATA INBOX (/private/a)',
    'SETMETADATA INBOX ()',
    'SETMETADATA INBOX (/vendor/a "x")',
    'SETMETADATA INBOX (/private/* "x")',
    'GETMETADATA INBOX',
    'GETMETADATA (DEPTH 5) INBOX /private/a',
    'GETMETADATA (MAXSIZE -1) INBOX /private/a',
    'GETMETADATA (FOO 1) INBOX /private/a',
    `GETMETADATA INBOX ${'('.repeat(40)}/private/a${')'.repeat(40)}`,
    `GETMETADATA INBOX /private/${'a'.repeat(600)}`,
  ]);
  assert.match((await c.command('nm', 'GETMETADATA Nowhere /private/a')).at(-1)!, /^nm NO \[NONEXISTENT\]/);
  assert.match((await c.command('nm2', 'SETMETADATA Nowhere (/private/a "x")')).at(-1)!, /^nm2 NO \[NONEXISTENT\]/);
});

test('METADATA: refused before login', async (t) => {
  const { port } = await setup(t);
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  assert.match((await c.command('a', 'GETMETADATA "" /shared/comment')).at(-1)!, /^a BAD /);
});
