import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCancelUpdate } from '../src/imap/commands/cancelupdate.ts';
import { ParseError, Parser } from '../src/imap/parser.ts';
import { MAX_CONTEXTS } from '../src/imap/search-context.ts';
import { parseSearchReturn } from '../src/imap/search-return.ts';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';
import { ALICE, assertAllBad, selectedWithGaps } from './helpers/imap-inbox.ts';
import { message } from './helpers/store.ts';

const parser = (text: string) => new Parser(Buffer.from(text));

test('UPDATE and CONTEXT return options and CANCELUPDATE parse', () => {
  assert.deepEqual(parseSearchReturn(parser('(UPDATE)')), { options: ['ALL', 'UPDATE'], partial: null });
  assert.deepEqual(parseSearchReturn(parser('(context update COUNT)')), { options: ['CONTEXT', 'UPDATE', 'COUNT'], partial: null });
  assert.throws(() => parseSearchReturn(parser('(UPDATE UPDATE)')), ParseError);
  assert.deepEqual(parseCancelUpdate(parser(' "a" "b c"')), ['a', 'b c']);
  for (const bad of ['', ' ', ' a', ' "a" b', ' "a"  "b"', ' "a" ', ' {1}']) assert.throws(() => parseCancelUpdate(parser(bad)), ParseError, bad);
});

/** The context updates among a command's responses. */
const updates = (lines: string[]) => lines.filter((l) => l.startsWith('* ESEARCH') || l.startsWith('* NO'));

test('CONTEXT=SEARCH: UID result kept up to date by REMOVEFROM and ADDTO until CANCELUPDATE', async (t) => {
  const { env, c } = await selectedWithGaps(t);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, /^\* CAPABILITY .* CONTEXT=SEARCH CONTEXT=SORT/);
  assert.deepEqual(await c.command('u1', 'UID SEARCH RETURN (UPDATE) UNSEEN'), ['* ESEARCH (TAG "u1") UID ALL 2,4:6', 'u1 OK SEARCH completed']);
  // Nothing changed: nothing said.
  assert.deepEqual(await c.command('n0', 'NOOP'), ['n0 OK NOOP completed']);
  await env.store.storeFlags(env.inbox.id, [4], 'add', ['\\Seen']);
  assert.deepEqual(updates(await c.command('n1', 'NOOP')), ['* ESEARCH (TAG "u1") UID REMOVEFROM (2 4)']);
  await deliver(env.store, ALICE, message('m7'));
  const n2 = await c.command('n2', 'NOOP');
  assert.ok(n2.indexOf('* 5 EXISTS') < n2.indexOf('* ESEARCH (TAG "u1") UID ADDTO (4 7)'), n2.join('\n'));
  await env.store.expunge(env.inbox.id, [2]);
  const n3 = await c.command('n3', 'NOOP');
  // The session claimed every message as \Recent (SELECT and EXISTS): one fewer after the expunge.
  assert.deepEqual(n3, ['* 1 EXPUNGE', '* 4 RECENT', '* ESEARCH (TAG "u1") UID REMOVEFROM (1 2)', 'n3 OK NOOP completed']);
  // The client's own UID STORE counts too, told before its tagged answer; several runs are told apart, from the end.
  assert.deepEqual(updates(await c.command('f', 'UID STORE 4 -FLAGS (\\Seen)')), ['* ESEARCH (TAG "u1") UID ADDTO (1 4)']);
  assert.deepEqual(updates(await c.command('f2', 'UID STORE 4,6 +FLAGS (\\Seen)')), ['* ESEARCH (TAG "u1") UID REMOVEFROM (3 6)', '* ESEARCH (TAG "u1") UID REMOVEFROM (1 4)']);
  // STORE may not renumber (RFC 3501 7.4.1): its changes wait for the next command that may.
  assert.deepEqual(updates(await c.command('f3', 'STORE 1 -FLAGS (\\Seen)')), []);
  assert.deepEqual(updates(await c.command('n5', 'NOOP')), ['* ESEARCH (TAG "u1") UID ADDTO (1 4)']);
  assert.deepEqual(await c.command('x', 'CANCELUPDATE "u1"'), ['x OK CANCELUPDATE completed']);
  await env.store.storeFlags(env.inbox.id, [5], 'add', ['\\Seen']);
  assert.deepEqual(updates(await c.command('n6', 'NOOP')), []);
  await assertAllBad(c, ['CANCELUPDATE "u1"', 'CANCELUPDATE', 'CANCELUPDATE u1', 'CANCELUPDATE "a" ', 'CANCELUPDATE "a"  "b"']);
});

test('CONTEXT: numbered results, MIN/MAX/COUNT updates, SORT contexts in sort order, IDLE', async (t) => {
  const { env, c } = await selectedWithGaps(t);
  assert.deepEqual(await c.command('q1', 'SEARCH RETURN (UPDATE MIN COUNT) UNSEEN'), ['* ESEARCH (TAG "q1") MIN 1 COUNT 4', 'q1 OK SEARCH completed']);
  assert.deepEqual(await c.command('q2', 'UID SORT RETURN (UPDATE ALL) (REVERSE ARRIVAL) UTF-8 UNSEEN'), ['* ESEARCH (TAG "q2") UID ALL 6,5,4,2', 'q2 OK SORT completed']);
  assert.deepEqual(await c.command('q3', 'SORT RETURN (UPDATE) (ARRIVAL) UTF-8 UNSEEN'), ['* ESEARCH (TAG "q3") ALL 1:4', 'q3 OK SORT completed']);
  await deliver(env.store, ALICE, message('m7'));
  assert.deepEqual(updates(await c.command('n1', 'NOOP')), ['* ESEARCH (TAG "q1") MIN 1 COUNT 5', '* ESEARCH (TAG "q2") UID ADDTO (1 7)', '* ESEARCH (TAG "q3") ADDTO (5 5)']);
  // An expunge renumbers: the numbered results learn it from EXPUNGE; MIN, MAX and COUNT are said again whenever the result moves.
  await env.store.expunge(env.inbox.id, [2]);
  assert.deepEqual(await c.command('n2', 'NOOP'), ['* 1 EXPUNGE', '* 4 RECENT', '* ESEARCH (TAG "q1") MIN 1 COUNT 4', '* ESEARCH (TAG "q2") UID REMOVEFROM (5 2)', 'n2 OK NOOP completed']);
  await env.store.storeFlags(env.inbox.id, [5], 'add', ['\\Seen']);
  assert.deepEqual(updates(await c.command('n3', 'NOOP')), ['* ESEARCH (TAG "q1") MIN 1 COUNT 3', '* ESEARCH (TAG "q2") UID REMOVEFROM (3 5)', '* ESEARCH (TAG "q3") REMOVEFROM (2 2)']);
  // IDLE reports them as they happen.
  c.send('i IDLE\r\n');
  assert.equal(await c.line(), '+ idling');
  await deliver(env.store, ALICE, message('m8'));
  const seen: string[] = [];
  while (!seen.includes('* ESEARCH (TAG "q3") ADDTO (4 5)')) seen.push((await c.line())!);
  assert.deepEqual(updates(seen), ['* ESEARCH (TAG "q1") MIN 1 COUNT 4', '* ESEARCH (TAG "q2") UID ADDTO (1 8)', '* ESEARCH (TAG "q3") ADDTO (4 5)']);
  c.send('DONE\r\n');
  assert.deepEqual(await c.until('i'), ['i OK IDLE terminated']);
  // A new selection ends the contexts.
  await c.command('s2', 'SELECT INBOX');
  assert.match((await c.command('x', 'CANCELUPDATE "q1"')).at(-1)!, /^x BAD /);
});

test('CONTEXT hostile: contexts per mailbox are bounded, tags are not reused, unsupported mixes refused', async (t) => {
  const { env, c } = await selectedWithGaps(t);
  for (let i = 1; i <= MAX_CONTEXTS; i++) assert.equal((await c.command(`t${i}`, `UID SEARCH RETURN (UPDATE COUNT) UID ${i}:*`)).at(-1), `t${i} OK SEARCH completed`);
  assert.deepEqual(await c.command('over', 'UID SEARCH RETURN (UPDATE COUNT) ALL'), [
    `* NO [NOUPDATE "over"] At most ${MAX_CONTEXTS} update contexts per mailbox`,
    '* ESEARCH (TAG "over") UID COUNT 4',
    'over OK SEARCH completed',
  ]);
  assert.match((await c.command('t1', 'UID SEARCH RETURN (UPDATE) ALL')).at(-1)!, /^t1 BAD .*already names an update context/);
  assert.match((await c.command('p', 'UID SEARCH RETURN (UPDATE PARTIAL 1:2) ALL')).at(-1)!, /^p NO \[CANNOT\]/);
  assert.match((await c.command('v', 'UID SORT RETURN (UPDATE SAVE) (DATE) UTF-8 ALL')).at(-1)!, /^v NO \[CANNOT\]/);
  await assertAllBad(c, ['SEARCH RETURN (UPDATE UPDATE) ALL', 'SEARCH RETURN (UPDATE 1) ALL', 'SORT RETURN (UPDATE) UTF-8 ALL']);
  // Cancelling frees a place; every registered context still answers.
  assert.equal((await c.command('x', 'CANCELUPDATE "t1" "t2"')).at(-1), 'x OK CANCELUPDATE completed');
  assert.equal((await c.command('again', 'UID SEARCH RETURN (UPDATE COUNT) ALL'))[0], '* ESEARCH (TAG "again") UID COUNT 4');
  await deliver(env.store, ALICE, message('m7'));
  assert.equal(updates(await c.command('n', 'NOOP')).length, MAX_CONTEXTS - 1);
});

test('CONTEXT: a context whose search outgrows imap.search_cost is dropped with NOUPDATE', async (t) => {
  // Each message costs one key: four fit, eight do not.
  const env = await startImapServer(t, (config) => (config.imap.search_cost = 6));
  await addAccount(env.store, ALICE);
  for (let i = 1; i <= 4; i++) await deliver(env.store, ALICE, message(`m${i}`));
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  await c.command('s', 'SELECT INBOX');
  assert.deepEqual(await c.command('u', 'UID SEARCH RETURN (UPDATE COUNT) ALL'), ['* ESEARCH (TAG "u") UID COUNT 4', 'u OK SEARCH completed']);
  for (let i = 5; i <= 8; i++) await deliver(env.store, ALICE, message(`m${i}`));
  assert.deepEqual(updates(await c.command('n', 'NOOP')), ['* NO [NOUPDATE "u"] This search became too expensive to keep up to date']);
  assert.match((await c.command('x', 'CANCELUPDATE "u"')).at(-1)!, /^x BAD /);
});
