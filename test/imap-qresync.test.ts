import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './helpers/env.ts';
import { deliver, imapflow, PASSWORD, RawImap } from './helpers/imap.ts';
import { ALICE, serverWithInbox } from './helpers/imap-inbox.ts';
import { requireTool } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

const run = promisify(execFile);

/** Five messages in INBOX, and the mailbox state a client would have cached. */
const setup = (t: TestContext) => serverWithInbox(t, 5);

/** Changes made while the client is away: UIDs 2 and 3 expunged, 4 flagged, 6 and 7 delivered, 7 expunged. */
async function changeWhileAway(env: Awaited<ReturnType<typeof setup>>): Promise<void> {
  await env.store.expunge(env.inbox.id, [2, 3]);
  await env.store.storeFlags(env.inbox.id, [4], 'add', ['\\Flagged']);
  await deliver(env.store, ALICE, message('m6'));
  await deliver(env.store, ALICE, message('m7'));
  await env.store.expunge(env.inbox.id, [7]);
}

const modSeqOf = async (env: Awaited<ReturnType<typeof setup>>, uid: number) => (await env.store.getMessage(env.inbox.id, uid))!.modSeq;

test('QRESYNC raw: expunges made while the client was away are reported on reconnect', async (t) => {
  const env = await setup(t);
  const { uidValidity, highestModSeq } = env.inbox;
  await changeWhileAway(env);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  assert.deepEqual(await c.command('e', 'ENABLE QRESYNC'), ['* ENABLED QRESYNC', 'e OK ENABLE completed']);
  const lines = await c.command('s', `SELECT INBOX (QRESYNC (${uidValidity} ${highestModSeq}))`);
  assert.ok(lines.includes('* 4 EXISTS'), lines.join('\n'));
  assert.ok(lines.includes('* VANISHED (EARLIER) 2:3,7'), lines.join('\n'));
  const fetches = lines.filter((l) => l.includes(' FETCH '));
  assert.deepEqual(fetches, [
    `* 2 FETCH (UID 4 FLAGS (\\Recent \\Flagged) MODSEQ (${await modSeqOf(env, 4)}))`,
    `* 4 FETCH (UID 6 FLAGS (\\Recent) MODSEQ (${await modSeqOf(env, 6)}))`,
  ]);
  assert.equal(lines.at(-1), 's OK [READ-WRITE] SELECT completed');

  // known-uids limits VANISHED to what the client has; a wrong UIDVALIDITY gives a plain SELECT.
  const limited = await c.command('s2', `EXAMINE INBOX (QRESYNC (${uidValidity} ${highestModSeq} 1:3))`);
  assert.ok(limited.includes('* OK [CLOSED] Previous mailbox closed'), limited.join('\n'));
  assert.ok(limited.includes('* VANISHED (EARLIER) 2:3'), limited.join('\n'));
  const seqMatch = await c.command('s3', `EXAMINE INBOX (QRESYNC (${uidValidity} ${highestModSeq} 1:7 (1:3 1,4,5)))`);
  assert.ok(seqMatch.includes('* VANISHED (EARLIER) 2:3,7'), seqMatch.join('\n'));
  const stale = await c.command('s4', `EXAMINE INBOX (QRESYNC (${uidValidity + 1} ${highestModSeq}))`);
  assert.equal(stale.filter((l) => l.includes('VANISHED') || l.includes('FETCH')).length, 0, stale.join('\n'));

  // UID FETCH with VANISHED reports expunges in the set, FETCHes what changed.
  const changed = await c.command('f', `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${highestModSeq} VANISHED)`);
  assert.equal(changed[0], '* VANISHED (EARLIER) 2:3,7');
  assert.deepEqual(changed.slice(1, -1), [
    `* 2 FETCH (UID 4 FLAGS (\\Flagged) MODSEQ (${await modSeqOf(env, 4)}))`,
    `* 4 FETCH (UID 6 FLAGS () MODSEQ (${await modSeqOf(env, 6)}))`,
  ]);
  const part = await c.command('f2', `UID FETCH 3:5 (FLAGS) (CHANGEDSINCE ${highestModSeq} VANISHED)`);
  assert.equal(part[0], '* VANISHED (EARLIER) 3');
});

test('QRESYNC raw: live expunges are VANISHED (also in IDLE), EXPUNGE answers HIGHESTMODSEQ', async (t) => {
  const env = await setup(t);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  await c.command('e', 'ENABLE QRESYNC');
  await c.command('s', 'SELECT INBOX');
  await env.store.expunge(env.inbox.id, [2, 4]);
  // Not during FETCH by number (RFC 3501 7.4.1), then on NOOP.
  const fetch = await c.command('f', 'FETCH 1 (UID)');
  assert.ok(!fetch.some((l) => l.includes('VANISHED')), fetch.join('\n'));
  assert.deepEqual(await c.command('n', 'NOOP'), ['* VANISHED 2,4', '* 3 RECENT', 'n OK NOOP completed']);
  await c.command('d', 'STORE 1 +FLAGS.SILENT (\\Deleted)');
  const expunge = await c.command('x', 'EXPUNGE');
  const highest = (await env.store.getMailboxById(env.inbox.id))!.highestModSeq;
  assert.deepEqual(expunge, ['* VANISHED 1', '* 2 RECENT', `x OK [HIGHESTMODSEQ ${highest}] EXPUNGE completed`]);
  const status = await c.command('c', 'FETCH 1:* (UID)');
  assert.deepEqual(status.slice(0, -1), ['* 1 FETCH (UID 3)', '* 2 FETCH (UID 5)']);
  // IDLE pushes VANISHED as it happens.
  c.send('i IDLE\r\n');
  assert.match((await c.line())!, /^\+ /);
  await env.store.expunge(env.inbox.id, [5]);
  assert.equal(await c.line(), '* VANISHED 5');
  assert.equal(await c.line(), '* 1 RECENT');
  c.send('DONE\r\n');
  assert.deepEqual(await c.until('i'), ['i OK IDLE terminated']);
});

test('QRESYNC raw: malformed and out-of-order arguments are BAD and the session goes on', async (t) => {
  const env = await setup(t);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  const { uidValidity } = env.inbox;
  assert.match((await c.command('a', `SELECT INBOX (QRESYNC (${uidValidity} 1))`)).at(-1)!, /^a BAD .*ENABLE QRESYNC/);
  await c.command('e', 'ENABLE QRESYNC');
  for (const args of [
    'INBOX (QRESYNC)',
    'INBOX (QRESYNC ())',
    'INBOX (QRESYNC (0 1))',
    `INBOX (QRESYNC (${uidValidity}))`,
    `INBOX (QRESYNC (${uidValidity} x))`,
    `INBOX (QRESYNC (${uidValidity} 99999999999999999999))`,
    `INBOX (QRESYNC (${uidValidity} 1 1:2 (1:2)))`,
    `INBOX (QRESYNC (${uidValidity} 1 1:2 (1 2) 3))`,
    `INBOX (QRESYNC (${uidValidity} 1) QRESYNC (${uidValidity} 1))`,
    `INBOX (QRESYNC (${uidValidity} 1 ${'1,'.repeat(10_001)}1))`,
    'INBOX (FOO)',
  ]) {
    const lines = await c.command('b', `SELECT ${args}`);
    assert.match(lines.at(-1)!, /^b BAD /, `${args}: ${lines.join('\n')}`);
  }
  await c.command('s', 'SELECT INBOX');
  for (const args of ['FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)', 'UID FETCH 1:* (FLAGS) (VANISHED)', 'UID FETCH 1:* (FLAGS) (VANISHED CHANGEDSINCE)']) {
    assert.match((await c.command('v', args)).at(-1)!, /^v BAD /, args);
  }
  const other = await RawImap.connect(env.port);
  t.after(() => other.close());
  await other.login(ALICE);
  await other.command('s', 'SELECT INBOX');
  assert.match((await other.command('v', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)')).at(-1)!, /^v BAD .*ENABLE QRESYNC/);
  assert.equal((await c.command('n', 'NOOP')).at(-1), 'n OK NOOP completed');
});

test('QRESYNC imapflow: reopening with the cached state gets vanished UIDs and changed flags', async (t) => {
  const env = await setup(t);
  const client = await imapflow(t, env.port, ALICE, { extra: { qresync: true } });
  assert.ok(client.enabled.has('QRESYNC'));
  const first = await client.mailboxOpen('INBOX');
  const cached = { uidValidity: first.uidValidity, highestModseq: first.highestModseq };
  await client.mailboxClose();
  await changeWhileAway(env);

  const vanished: number[] = [];
  const flags: { uid: number; flags: string[] }[] = [];
  client.on('expunge', (e: { uid?: number; vanished: boolean; earlier?: boolean }) => {
    if (e.vanished && e.earlier && e.uid) vanished.push(e.uid);
  });
  client.on('flags', (e: { uid?: number; flags: Set<string> }) => flags.push({ uid: e.uid!, flags: [...e.flags] }));
  const mailbox = await client.mailboxOpen('INBOX', { uidValidity: cached.uidValidity, changedSince: cached.highestModseq } as never);
  assert.equal(mailbox.exists, 4);
  assert.deepEqual(vanished.sort((a, b) => a - b), [2, 3, 7]);
  assert.deepEqual(flags.sort((a, b) => a.uid - b.uid), [
    { uid: 4, flags: ['\\Flagged'] },
    { uid: 6, flags: [] },
  ]);

  // A live expunge arrives as VANISHED and imapflow keeps its count right.
  const live: number[] = [];
  client.on('expunge', (e: { uid?: number; vanished: boolean; earlier?: boolean }) => {
    if (e.vanished && !e.earlier && e.uid) live.push(e.uid);
  });
  await env.store.expunge(env.inbox.id, [5]);
  await client.noop();
  assert.deepEqual(live, [5]);
  assert.equal(client.mailbox && client.mailbox.exists, 3);
  const uids = (await client.search({ all: true }, { uid: true })) as number[];
  assert.deepEqual(uids, [1, 4, 6]);
  const changed = [];
  for await (const msg of client.fetch('1:*', { flags: true }, { uid: true, changedSince: cached.highestModseq })) changed.push(msg.uid);
  assert.deepEqual(changed, [4, 6]);
});

test('QRESYNC imaplib: resync after changes, UID FETCH VANISHED, EXPUNGE as VANISHED', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const env = await setup(t);
  const { uidValidity, highestModSeq } = env.inbox;
  await changeWhileAway(env);
  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/imap_qresync.py'), String(env.port), ALICE, PASSWORD, String(uidValidity), String(highestModSeq)], {
    timeout: 60_000,
  });
  const [m4, m6] = [await modSeqOf(env, 4), await modSeqOf(env, 6)];
  assert.deepEqual(JSON.parse(stdout), {
    enable: ['QRESYNC'],
    select: 'OK',
    vanished: ['(EARLIER) 2:3,7'],
    fetch: [`2 (UID 4 FLAGS (\\Recent \\Flagged) MODSEQ (${m4}))`, `4 (UID 6 FLAGS (\\Recent) MODSEQ (${m6}))`],
    uid_fetch: [`2 (UID 4 FLAGS (\\Recent \\Flagged) MODSEQ (${m4}))`, `4 (UID 6 FLAGS (\\Recent) MODSEQ (${m6}))`],
    uid_fetch_vanished: ['(EARLIER) 2:3,7'],
    expunge: 'OK',
    expunge_vanished: ['1'],
    logout: 'BYE',
  });
});
