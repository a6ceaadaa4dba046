import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './helpers/env.ts';
import { imapflow, PASSWORD, RawImap } from './helpers/imap.ts';
import { ALICE, assertAllBad, serverWithInbox } from './helpers/imap-inbox.ts';
import { requireTool } from './helpers/smtp.ts';

const run = promisify(execFile);

/** Six messages m1..m6; 1 and 3 expunged, so UIDs 2,4,5,6 are numbers 1..4; UID 4 is \Seen. */
async function setup(t: TestContext) {
  const env = await serverWithInbox(t, 6);
  const { inbox } = env;
  await env.store.expunge(inbox.id, [1, 3]);
  await env.store.storeFlags(inbox.id, [4], 'add', ['\\Seen']);
  return env;
}

async function selected(t: TestContext, port: number): Promise<RawImap> {
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login(ALICE);
  await c.command('s', 'SELECT INBOX');
  return c;
}

test('ESEARCH raw: MIN, MAX, ALL, COUNT, empty results, UID form, MODSEQ', async (t) => {
  const env = await setup(t);
  const c = await selected(t, env.port);
  assert.deepEqual(await c.command('a1', 'SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN'), ['* ESEARCH (TAG "a1") MIN 1 MAX 4 ALL 1,3:4 COUNT 3', 'a1 OK SEARCH completed']);
  assert.deepEqual(await c.command('a2', 'UID SEARCH RETURN () ALL'), ['* ESEARCH (TAG "a2") UID ALL 2,4:6', 'a2 OK SEARCH completed']);
  assert.deepEqual(await c.command('a3', 'UID SEARCH RETURN (MAX) UNSEEN'), ['* ESEARCH (TAG "a3") UID MAX 6', 'a3 OK SEARCH completed']);
  assert.deepEqual(await c.command('a4', 'SEARCH RETURN (MIN MAX ALL COUNT) SUBJECT nothing'), ['* ESEARCH (TAG "a4") COUNT 0', 'a4 OK SEARCH completed']);
  assert.deepEqual(await c.command('a5', 'SEARCH RETURN (MIN) SUBJECT nothing'), ['* ESEARCH (TAG "a5")', 'a5 OK SEARCH completed']);
  const m5 = (await env.store.getMessage(env.inbox.id, 5))!.modSeq;
  const m4 = (await env.store.getMessage(env.inbox.id, 4))!.modSeq;
  // The first CONDSTORE-enabling command also says HIGHESTMODSEQ (RFC 7162 3.1).
  assert.deepEqual((await c.command('a6', 'UID SEARCH RETURN (MIN) MODSEQ 1')).slice(1), [`* ESEARCH (TAG "a6") UID MIN 2 MODSEQ ${(await env.store.getMessage(env.inbox.id, 2))!.modSeq}`, 'a6 OK SEARCH completed']);
  const all = await c.command('a7', 'SEARCH RETURN (ALL) CHARSET UTF-8 MODSEQ 1 UID 4:5');
  assert.deepEqual(all, [`* ESEARCH (TAG "a7") ALL 2:3 MODSEQ ${Math.max(m4, m5)}`, 'a7 OK SEARCH completed']);
  // A plain SEARCH still answers SEARCH.
  assert.deepEqual(await c.command('a8', 'SEARCH SEEN'), ['* SEARCH 2', 'a8 OK SEARCH completed']);
});

test('SEARCHRES raw: SAVE, $ in FETCH, STORE, COPY, MOVE, SEARCH and UID EXPUNGE; reset on reselect', async (t) => {
  const env = await setup(t);
  const c = await selected(t, env.port);
  // SAVE alone answers nothing but the tagged OK.
  assert.deepEqual(await c.command('b1', 'SEARCH RETURN (SAVE) UNSEEN'), ['b1 OK SEARCH completed']);
  assert.deepEqual((await c.command('b2', 'FETCH $ (UID)')).slice(0, -1), ['* 1 FETCH (UID 2)', '* 3 FETCH (UID 5)', '* 4 FETCH (UID 6)']);
  assert.deepEqual(await c.command('b3', 'UID SEARCH $ SUBJECT m5'), ['* SEARCH 5', 'b3 OK SEARCH completed']);
  assert.deepEqual(await c.command('b4', 'SEARCH UID $'), ['* SEARCH 1 3 4', 'b4 OK SEARCH completed']);
  // MIN and MAX with SAVE keep only those.
  assert.deepEqual(await c.command('b5', 'UID SEARCH RETURN (SAVE MIN MAX) UNSEEN'), ['* ESEARCH (TAG "b5") UID MIN 2 MAX 6', 'b5 OK SEARCH completed']);
  assert.deepEqual((await c.command('b6', 'UID FETCH $ (FLAGS)')).slice(0, -1), ['* 1 FETCH (UID 2 FLAGS (\\Recent))', '* 4 FETCH (UID 6 FLAGS (\\Recent))']);
  assert.deepEqual((await c.command('b7', 'STORE $ +FLAGS (\\Deleted)')).slice(0, -1), ['* 1 FETCH (UID 2 FLAGS (\\Recent \\Deleted))', '* 4 FETCH (UID 6 FLAGS (\\Recent \\Deleted))']);
  assert.match((await c.command('b8', 'COPY $ Archive')).at(-1)!, /^b8 OK \[COPYUID \d+ 2,6 1:2\]/);
  assert.deepEqual(await c.command('b9', 'UID EXPUNGE $'), ['* 4 EXPUNGE', '* 1 EXPUNGE', '* 2 RECENT', 'b9 OK UID EXPUNGE completed']);
  // Expunged messages left $: it is empty now.
  assert.deepEqual(await c.command('b10', 'FETCH $ (UID)'), ['b10 OK FETCH completed']);
  await c.command('b11', 'SEARCH RETURN (SAVE) ALL');
  assert.match((await c.command('b12', 'MOVE $ Archive')).at(-1)!, /^b12 OK/);
  assert.deepEqual(await c.command('b13', 'SEARCH ALL'), ['* SEARCH', 'b13 OK SEARCH completed']);
  // A failing SEARCH with SAVE empties $; a new SELECT does too.
  await c.command('b14', 'SELECT Archive');
  assert.deepEqual(await c.command('b15', 'SEARCH $'), ['* SEARCH', 'b15 OK SEARCH completed']);
  await c.command('b16', 'SEARCH RETURN (SAVE) ALL');
  assert.match((await c.command('b17', 'SEARCH RETURN (SAVE) CHARSET KOI8-R ALL')).at(-1)!, /^b17 NO \[BADCHARSET/);
  assert.deepEqual(await c.command('b18', 'SEARCH $'), ['* SEARCH', 'b18 OK SEARCH completed']);
});

test('ESEARCH raw: malformed RETURN and $ are BAD and the session goes on', async (t) => {
  const env = await setup(t);
  const c = await selected(t, env.port);
  await assertAllBad(c, [
    'SEARCH RETURN ALL',
    'SEARCH RETURN (FOO) ALL',
    'SEARCH RETURN (MIN',
    'SEARCH RETURN (MIN)',
    'SEARCH RETURN (MIN) ',
    'SEARCH CHARSET UTF-8 RETURN (MIN) ALL',
    'SEARCH RETURN ((MIN)) ALL',
    'SEARCH $$',
    'SEARCH UID $1',
    'FETCH $,1 (UID)',
    'FETCH 1,$ (UID)',
    'UID EXPUNGE $:2',
    'STORE $ FLAGS',
  ]);
});

test('ESEARCH imapflow: returnOptions give min, max, count, all', async (t) => {
  const env = await setup(t);
  const client = await imapflow(t, env.port, ALICE);
  assert.ok(client.capabilities.has('ESEARCH') && client.capabilities.has('SEARCHRES'));
  const lock = await client.getMailboxLock('INBOX');
  t.after(() => lock.release());
  const result = await client.search({ seen: false }, { uid: true, returnOptions: ['MIN', 'MAX', 'COUNT', 'ALL'] });
  assert.deepEqual(result, { min: 2, max: 6, count: 3, all: '2,5:6' });
  const none = await client.search({ subject: 'nothing' }, { returnOptions: ['COUNT'] });
  assert.deepEqual(none, { count: 0 });
});

test('ESEARCH and SEARCHRES imaplib: RETURN options, SAVE and $ in FETCH, STORE, SEARCH, COPY', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const env = await setup(t);
  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/imap_esearch.py'), String(env.port), ALICE, PASSWORD], { timeout: 60_000 });
  const tagged = JSON.parse(stdout) as Record<string, unknown>;
  // imaplib's tags differ per run: check the rest of each ESEARCH line.
  const strip = (lines: string[]) => lines.map((l) => l.replace(/^\(TAG "[^"]+"\)/, '(TAG)'));
  assert.deepEqual(strip(tagged.esearch as string[]), ['(TAG) MIN 1 MAX 4 ALL 1,3:4 COUNT 3']);
  assert.deepEqual(strip(tagged.uid_esearch as string[]), ['(TAG) UID COUNT 4']);
  assert.deepEqual(tagged.save, ['OK', []]);
  assert.deepEqual(tagged.fetch_saved, ['2 (UID 4)', '3 (UID 5)']);
  assert.deepEqual(tagged.store_saved, ['2 (UID 4 FLAGS (\\Recent \\Seen \\Flagged))', '3 (UID 5 FLAGS (\\Recent \\Flagged))']);
  assert.equal(tagged.search_saved, '2 3');
  assert.equal(tagged.copy_saved, 'OK');
  assert.equal(tagged.logout, 'BYE');
});
