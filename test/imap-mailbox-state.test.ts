import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ROOT } from './helpers/env.ts';
import { deliver, PASSWORD, RawImap } from './helpers/imap.ts';
import { ALICE, serverWithInbox } from './helpers/imap-inbox.ts';
import { requireTool } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

// Issue 14, items 5-8: mailbox state as RFC 3501, RFC 5258 and RFC 7162 fix it, Dovecot 2.3 as the reference.

const untagged = (lines: string[]) => lines.filter((l) => l.startsWith('* '));
const SYSTEM = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';
/** Leaves out the default mailboxes, which an account starts subscribed to. */
const ours = (lines: string[]) => untagged(lines).filter((l) => !/"(INBOX|Sent|Drafts|Trash|Junk|Archive)"$/.test(l));

async function session(t: TestContext, port: number): Promise<RawImap> {
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login(ALICE);
  return c;
}

test('\\Recent (RFC 3501 2.3.2): recent in the one session that selects first; EXAMINE looks without claiming; RECENT, STATUS, SEARCH NEW/OLD/RECENT', async (t) => {
  const env = await serverWithInbox(t, 2);
  const [a, b, c] = [await session(t, env.port), await session(t, env.port), await session(t, env.port)];

  assert.deepEqual(await b.command('s', 'STATUS INBOX (MESSAGES RECENT)'), ['* STATUS "INBOX" (MESSAGES 2 RECENT 2)', 's OK STATUS completed']);
  // EXAMINE sees them as recent and leaves them so (RFC 3501 6.3.2: no change to the \Recent flag).
  assert.ok((await b.command('e', 'EXAMINE INBOX')).includes('* 2 RECENT'));
  assert.deepEqual(untagged(await b.command('f', 'FETCH 1:* FLAGS')), ['* 1 FETCH (FLAGS (\\Recent))', '* 2 FETCH (FLAGS (\\Recent))']);

  const select = await a.command('s', 'SELECT INBOX');
  assert.ok(select.includes('* 2 RECENT'), select.join('\n'));
  assert.deepEqual(untagged(await a.command('f', 'FETCH 1:* FLAGS')), ['* 1 FETCH (FLAGS (\\Recent))', '* 2 FETCH (FLAGS (\\Recent))']);
  assert.deepEqual(await a.command('r', 'SEARCH RECENT'), ['* SEARCH 1 2', 'r OK SEARCH completed']);
  // STATUS of the selected mailbox gives this session's count, as Dovecot.
  assert.deepEqual(await a.command('st', 'STATUS INBOX (RECENT)'), ['* STATUS "INBOX" (RECENT 2)', 'st OK STATUS completed']);
  assert.deepEqual(untagged(await a.command('st', 'STORE 1 +FLAGS (\\Seen)')), ['* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen))']);
  assert.deepEqual(await a.command('n', 'SEARCH NEW'), ['* SEARCH 2', 'n OK SEARCH completed']);
  assert.deepEqual(await a.command('o', 'SEARCH OLD'), ['* SEARCH', 'o OK SEARCH completed']);
  assert.deepEqual(await a.command('u', 'UID SEARCH NOT RECENT'), ['* SEARCH', 'u OK SEARCH completed']);
  // The flag is the server's: a client cannot set it.
  assert.match((await a.command('x', 'STORE 1 +FLAGS (\\Recent)')).at(-1)!, /^x BAD /);

  // Claimed by a: nobody else sees them as recent any more.
  assert.deepEqual(await c.command('s', 'STATUS INBOX (RECENT)'), ['* STATUS "INBOX" (RECENT 0)', 's OK STATUS completed']);
  assert.ok((await c.command('x', 'SELECT INBOX')).includes('* 0 RECENT'));
  assert.deepEqual(untagged(await c.command('f', 'FETCH 1:* FLAGS')), ['* 1 FETCH (FLAGS (\\Seen))', '* 2 FETCH (FLAGS ())']);
  assert.deepEqual(await c.command('r', 'SEARCH RECENT'), ['* SEARCH', 'r OK SEARCH completed']);

  // New mail: the first selected session to be told claims it and says so with RECENT.
  await deliver(env.store, ALICE, message('m3'));
  assert.deepEqual(untagged(await a.command('n1', 'NOOP')), ['* 3 EXISTS', '* 3 RECENT']);
  assert.deepEqual(untagged(await c.command('n1', 'NOOP')), ['* 3 EXISTS']);
  assert.deepEqual(untagged(await b.command('n1', 'NOOP')), ['* 3 EXISTS', '* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen))']);
  assert.deepEqual(untagged(await c.command('f3', 'FETCH 3 FLAGS')), ['* 3 FETCH (FLAGS ())']);
  assert.deepEqual(untagged(await b.command('f3', 'FETCH 1:3 FLAGS')), ['* 1 FETCH (FLAGS (\\Recent \\Seen))', '* 2 FETCH (FLAGS (\\Recent))', '* 3 FETCH (FLAGS ())']);
  assert.deepEqual(untagged(await a.command('f3', 'FETCH 3 FLAGS')), ['* 3 FETCH (FLAGS (\\Recent))']);

  // Expunging a recent message changes the count, which is said after the EXPUNGE (as Dovecot).
  assert.deepEqual(untagged(await a.command('x', 'UID STORE 3 +FLAGS.SILENT (\\Deleted)')), []);
  assert.deepEqual(untagged(await a.command('x', 'EXPUNGE')), ['* 3 EXPUNGE', '* 2 RECENT']);
  // Reselecting does not bring them back: each message is recent in one session only.
  assert.ok((await a.command('s2', 'SELECT INBOX')).includes('* 0 RECENT'));
});

test('\\Recent under concurrency: sessions selecting at once and new mail told to all of them claim each message exactly once', async (t) => {
  const env = await serverWithInbox(t, 10);
  const sessions = await Promise.all(Array.from({ length: 6 }, () => session(t, env.port)));
  const recentIn = async (c: RawImap) => {
    const flags = untagged(await c.command('f', 'UID FETCH 1:* FLAGS'));
    return flags.filter((l) => l.includes('\\Recent')).map((l) => Number(/UID (\d+)/.exec(l)![1]));
  };
  // All SELECT together: the counts add up to the 10 messages and no UID is recent twice.
  const selects = await Promise.all(sessions.map((c) => c.command('s', 'SELECT INBOX')));
  const counts = selects.map((lines) => Number(/^\* (\d+) RECENT$/.exec(lines.find((l) => l.endsWith(' RECENT'))!)![1]));
  assert.equal(counts.reduce((a, b) => a + b, 0), 10, counts.join(' '));
  // Five deliveries while all six are selected, then all six told at once.
  for (let i = 0; i < 5; i++) await deliver(env.store, ALICE, message(`n${i}`));
  await Promise.all(sessions.map((c) => c.command('n', 'NOOP')));
  const claimed = (await Promise.all(sessions.map(recentIn))).flat().sort((a, b) => a - b);
  assert.deepEqual(claimed, Array.from({ length: 15 }, (_, i) => i + 1));
});

test('\\Recent is absent in IMAP4rev2 sessions, which claim nothing', async (t) => {
  const env = await serverWithInbox(t, 2);
  const v2 = await session(t, env.port);
  await v2.command('e', 'ENABLE IMAP4rev2');
  const select = await v2.command('s', 'SELECT INBOX');
  assert.deepEqual(select.filter((l) => /RECENT/.test(l)), []);
  assert.deepEqual(untagged(await v2.command('f', 'FETCH 1:* FLAGS')), ['* 1 FETCH (FLAGS ())', '* 2 FETCH (FLAGS ())']);
  await deliver(env.store, ALICE, message('m3'));
  assert.deepEqual(untagged(await v2.command('n', 'NOOP')), ['* 3 EXISTS']);
  // The IMAP4rev1 session that selects next still gets them all.
  const v1 = await session(t, env.port);
  assert.ok((await v1.command('s', 'SELECT INBOX')).includes('* 3 RECENT'));
});

test('\\Recent with Python imaplib: RECENT at SELECT and on new mail, SEARCH NEW, FETCH FLAGS; keywords, HIGHESTMODSEQ and subscriptions after DELETE reach imaplib too', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const env = await serverWithInbox(t, 2);
  const other = await session(t, env.port);
  // imaplib waits for a line on stdin before each step that needs something done by another session.
  const child = execFile('python3', [join(ROOT, 'test/fixtures/imap_mailbox_state.py'), String(env.port), ALICE, PASSWORD], { timeout: 60_000 });
  const done = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${out}`))));
  });
  const step = async (expect: string) => {
    const line = await new Promise<string>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(d.toString())));
    assert.equal(line.trim(), expect);
  };
  await step('selected');
  await other.command('s', 'SELECT INBOX');
  await deliver(env.store, ALICE, message('m3'));
  child.stdin!.write('delivered\n');
  await step('nooped');
  await other.command('k', 'STORE 1 +FLAGS (Invoice)');
  child.stdin!.write('stored\n');
  const out = JSON.parse((await done).trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.deepEqual(out, {
    select: ['OK', ['2'], ['2']],
    noop_recent: ['3'],
    new: ['1 2 3'],
    flags: ['1 (FLAGS (\\Recent))', '3 (FLAGS (\\Recent))'],
    keyword_flags: [`(${SYSTEM} Invoice)`],
    permanentflags: [`(${SYSTEM} Invoice \\*)`],
    highestmodseq: true,
    lsub_after_delete: ['() "/" "Lists/rust"'],
    list_subscribed: ['(\\NonExistent \\Subscribed) "/" "Lists/rust"'],
    logout: 'BYE',
  });
});

test('subscriptions survive DELETE (RFC 3501 6.3.9): LSUB and LIST (SUBSCRIBED) keep the name, \\NonExistent; UNSUBSCRIBE still works', async (t) => {
  const env = await serverWithInbox(t, 0);
  const c = await session(t, env.port);
  for (const cmd of ['CREATE Lists/rust', 'SUBSCRIBE Lists/rust', 'CREATE Old', 'SUBSCRIBE Old']) assert.match((await c.command('a', cmd)).at(-1)!, /^a OK/, cmd);
  assert.match((await c.command('d', 'DELETE Lists/rust')).at(-1)!, /^d OK/);
  assert.match((await c.command('d', 'DELETE Old')).at(-1)!, /^d OK/);
  assert.deepEqual(ours(await c.command('l', 'LSUB "" *')), ['* LSUB () "/" "Lists/rust"', '* LSUB () "/" "Old"']);
  assert.deepEqual(ours(await c.command('l', 'LIST (SUBSCRIBED) "" *')), ['* LIST (\\NonExistent \\Subscribed) "/" "Lists/rust"', '* LIST (\\NonExistent \\Subscribed) "/" "Old"']);
  // CREATE made the parent Lists too; it is not subscribed, so LSUB % shows it \\Noselect.
  assert.deepEqual(ours(await c.command('l', 'LSUB "" %')), ['* LSUB (\\Noselect) "/" "Lists"', '* LSUB () "/" "Old"']);
  // Without the SUBSCRIBED selection only mailboxes are listed (RFC 5258 3.1).
  assert.deepEqual(untagged(await c.command('l', 'LIST "" * RETURN (SUBSCRIBED)')).filter((l) => /Old|rust/.test(l)), []);
  // The name is subscribed, not the mailbox: a mailbox made again under it is subscribed.
  await c.command('r', 'CREATE Old');
  assert.deepEqual(untagged(await c.command('l', 'LIST "" Old RETURN (SUBSCRIBED)')), ['* LIST (\\HasNoChildren \\Subscribed) "/" "Old"']);
  assert.deepEqual(await c.command('u', 'UNSUBSCRIBE Lists/rust'), ['u OK UNSUBSCRIBE completed']);
  assert.deepEqual(await c.command('u', 'UNSUBSCRIBE Old'), ['u OK UNSUBSCRIBE completed']);
  assert.deepEqual(ours(await c.command('l', 'LSUB "" *')), []);
  // Like Dovecot: only an existing mailbox can be subscribed, and an unknown name not unsubscribed.
  assert.match((await c.command('n', 'SUBSCRIBE Nowhere')).at(-1)!, /^n NO \[NONEXISTENT\]/);
  assert.match((await c.command('n', 'UNSUBSCRIBE Lists/rust')).at(-1)!, /^n NO \[NONEXISTENT\]/);
  // RENAME leaves the subscription on the old name, as Dovecot: the client did not ask to remove it.
  for (const cmd of ['CREATE Before', 'SUBSCRIBE Before', 'RENAME Before After']) await c.command('r', cmd);
  assert.deepEqual(ours(await c.command('l', 'LSUB "" *')), ['* LSUB () "/" "Before"']);
  assert.deepEqual(untagged(await c.command('l', 'LIST "" After RETURN (SUBSCRIBED)')), ['* LIST (\\HasNoChildren) "/" "After"']);
  assert.deepEqual(await c.command('u', 'UNSUBSCRIBE Before'), ['u OK UNSUBSCRIBE completed']);
  // DELETE of an unsubscribed mailbox leaves nothing behind.
  await c.command('d', 'DELETE Old');
  assert.deepEqual(ours(await c.command('l', 'LIST (SUBSCRIBED) "" *')), []);
  // Removing the account removes the names it kept.
  for (const cmd of ['CREATE Kept', 'SUBSCRIBE Kept', 'DELETE Kept']) await c.command('k', cmd);
  const kept = () => env.store.core.db.keys({ gte: 'sub/', lt: 'sub/\xff' }).all();
  assert.equal((await kept()).length, 1);
  await env.store.removeAccount(ALICE);
  assert.deepEqual(await kept(), []);
});

test('LSUB with %: an unsubscribed parent of a subscribed child is \\Noselect (RFC 3501 6.3.9); CHILDINFO only for a child no pattern lists (RFC 5258 3.5)', async (t) => {
  const env = await serverWithInbox(t, 0);
  const c = await session(t, env.port);
  // CREATE makes the parents too (P, Q, X exist), but only the names given are subscribed.
  for (const cmd of ['CREATE P/c', 'SUBSCRIBE P/c', 'CREATE Q/r', 'SUBSCRIBE Q', 'SUBSCRIBE Q/r', 'CREATE X/y', 'SUBSCRIBE X/y', 'DELETE Q/r']) {
    assert.match((await c.command('a', cmd)).at(-1)!, /^a OK/, cmd);
  }
  assert.deepEqual(ours(await c.command('l', 'LSUB "" %')), [
    '* LSUB (\\Noselect) "/" "P"',
    '* LSUB () "/" "Q"',
    '* LSUB (\\Noselect) "/" "X"',
  ]);
  assert.deepEqual(untagged(await c.command('l', 'LSUB "" P/%')), ['* LSUB () "/" "P/c"']);
  assert.deepEqual(untagged(await c.command('l', 'LSUB "" *')).filter((l) => /"[PQX]/.test(l)), ['* LSUB () "/" "P/c"', '* LSUB () "/" "Q"', '* LSUB () "/" "Q/r"', '* LSUB () "/" "X/y"']);

  const recursive = (patterns: string) => c.command('l', `LIST (SUBSCRIBED RECURSIVEMATCH) "" ${patterns}`).then((l) => untagged(l).filter((x) => /"[PQX]/.test(x)));
  assert.deepEqual(await recursive('%'), [
    '* LIST (\\HasChildren) "/" "P" ("CHILDINFO" ("SUBSCRIBED"))',
    '* LIST (\\HasNoChildren \\Subscribed) "/" "Q" ("CHILDINFO" ("SUBSCRIBED"))',
    '* LIST (\\HasChildren) "/" "X" ("CHILDINFO" ("SUBSCRIBED"))',
  ]);
  // X/y is listed by the second pattern itself, so X is not listed for it (as Dovecot).
  assert.deepEqual(await recursive('(% X/y)'), [
    '* LIST (\\HasChildren) "/" "P" ("CHILDINFO" ("SUBSCRIBED"))',
    '* LIST (\\HasNoChildren \\Subscribed) "/" "Q" ("CHILDINFO" ("SUBSCRIBED"))',
    '* LIST (\\HasNoChildren \\Subscribed) "/" "X/y"',
  ]);
  assert.deepEqual(await recursive('(X X/y)'), ['* LIST (\\HasNoChildren \\Subscribed) "/" "X/y"']);
  assert.deepEqual(await recursive('(X/% X)'), ['* LIST (\\HasNoChildren \\Subscribed) "/" "X/y"']);
});

test('a new keyword (STORE, APPEND, COPY) sends FLAGS and PERMANENTFLAGS to every session that has the mailbox selected', async (t) => {
  const env = await serverWithInbox(t, 2);
  const [a, b, ro] = [await session(t, env.port), await session(t, env.port), await session(t, env.port)];
  await a.command('s', 'SELECT INBOX');
  await b.command('s', 'SELECT INBOX');
  await ro.command('s', 'EXAMINE INBOX');

  assert.deepEqual(untagged(await a.command('k', 'STORE 1 +FLAGS (Invoice)')), [
    `* FLAGS (${SYSTEM} Invoice)`,
    `* OK [PERMANENTFLAGS (${SYSTEM} Invoice \\*)] Flags permitted`,
    '* 1 FETCH (UID 1 FLAGS (\\Recent Invoice))',
  ]);
  assert.deepEqual(untagged(await b.command('n', 'NOOP')), [`* FLAGS (${SYSTEM} Invoice)`, `* OK [PERMANENTFLAGS (${SYSTEM} Invoice \\*)] Flags permitted`, '* 1 FETCH (UID 1 FLAGS (Invoice))']);
  assert.deepEqual(untagged(await ro.command('n', 'NOOP')), [`* FLAGS (${SYSTEM} Invoice)`, '* OK [PERMANENTFLAGS ()] Read-only mailbox', '* 1 FETCH (UID 1 FLAGS (Invoice))']);
  // A keyword the client knows is not announced again.
  assert.deepEqual(untagged(await a.command('k', 'STORE 2 +FLAGS (invoice)')), ['* 2 FETCH (UID 2 FLAGS (\\Recent invoice))']);
  assert.deepEqual(untagged(await b.command('n', 'NOOP')), ['* 2 FETCH (UID 2 FLAGS (invoice))']);

  // APPEND with a new keyword into the selected mailbox.
  const append = await a.command('p', 'APPEND INBOX (Paid) {12+}\r\nSubject: p\r\n');
  assert.deepEqual(untagged(append), [`* FLAGS (${SYSTEM} Invoice Paid)`, `* OK [PERMANENTFLAGS (${SYSTEM} Invoice Paid \\*)] Flags permitted`, '* 3 EXISTS', '* 3 RECENT']);
  assert.deepEqual(untagged(await b.command('n', 'NOOP')), [`* FLAGS (${SYSTEM} Invoice Paid)`, `* OK [PERMANENTFLAGS (${SYSTEM} Invoice Paid \\*)] Flags permitted`, '* 3 EXISTS']);

  // COPY from another mailbox brings its keyword.
  await a.command('c', 'APPEND Archive (Filed) {12+}\r\nSubject: f\r\n');
  await b.command('u', 'UNSELECT');
  await b.command('s', 'SELECT Archive');
  await b.command('c', 'COPY 1 INBOX');
  assert.deepEqual(untagged(await a.command('n', 'NOOP')), [
    `* FLAGS (${SYSTEM} Invoice Paid Filed)`,
    `* OK [PERMANENTFLAGS (${SYSTEM} Invoice Paid Filed \\*)] Flags permitted`,
    '* 4 EXISTS',
    '* 4 RECENT',
  ]);
  // A fresh SELECT lists the keywords in use in both.
  const select = await b.command('s', 'SELECT INBOX');
  assert.ok(select.includes(`* FLAGS (${SYSTEM} Invoice Paid Filed)`), select.join('\n'));
  assert.ok(select.includes(`* OK [PERMANENTFLAGS (${SYSTEM} Invoice Paid Filed \\*)] Flags permitted`), select.join('\n'));
});

test('CONDSTORE enabled by FETCH MODSEQ, CHANGEDSINCE, SEARCH MODSEQ, UNCHANGEDSINCE or ENABLE sends HIGHESTMODSEQ once (RFC 7162 3.1)', async (t) => {
  const env = await serverWithInbox(t, 2);
  const highest = async () => (await env.store.getMailbox(env.inbox.accountId, 'INBOX'))!.highestModSeq;
  const cases: [string, string][] = [
    ['FETCH 1 (MODSEQ)', '* 1 FETCH (MODSEQ ('],
    ['FETCH 1:* (FLAGS) (CHANGEDSINCE 1)', '* 1 FETCH (FLAGS ('],
    ['SEARCH MODSEQ 1', '* SEARCH 1 2 (MODSEQ '],
    ['STORE 2 (UNCHANGEDSINCE 100) +FLAGS (\\Flagged)', '* 2 FETCH (UID 2 FLAGS ('],
  ];
  for (const [cmd, first] of cases) {
    const c = await session(t, env.port);
    const select = await c.command('s', 'SELECT INBOX');
    assert.ok(select.some((l) => l.startsWith('* OK [HIGHESTMODSEQ ')), select.join('\n'));
    const before = await highest();
    const lines = untagged(await c.command('c', cmd));
    assert.equal(lines[0], `* OK [HIGHESTMODSEQ ${before}] Highest`, `${cmd}: ${lines.join('\n')}`);
    assert.ok(lines[1]!.startsWith(first), `${cmd}: ${lines.join('\n')}`);
    // Only the first such command says it.
    assert.equal(untagged(await c.command('d', 'FETCH 1 (MODSEQ)')).filter((l) => l.includes('HIGHESTMODSEQ')).length, 0, cmd);
    await c.command('o', 'LOGOUT');
  }
  // ENABLE CONDSTORE or QRESYNC with a mailbox selected says it before ENABLED, as Dovecot.
  for (const name of ['CONDSTORE', 'QRESYNC']) {
    const c = await session(t, env.port);
    await c.command('s', 'SELECT INBOX');
    assert.deepEqual(untagged(await c.command('e', `ENABLE ${name}`)), [`* OK [HIGHESTMODSEQ ${await highest()}] Highest`, `* ENABLED ${name}`]);
    await c.command('o', 'LOGOUT');
  }
  // Not selected, nothing to report; SELECT (CONDSTORE) reports it as part of SELECT.
  const c = await session(t, env.port);
  assert.deepEqual(untagged(await c.command('e', 'ENABLE CONDSTORE')), ['* ENABLED CONDSTORE']);
  assert.deepEqual(untagged(await c.command('st', 'STATUS INBOX (HIGHESTMODSEQ)')), [`* STATUS "INBOX" (HIGHESTMODSEQ ${await highest()})`]);
});
