/**
 * Two `mailfold serve` processes on one PostgreSQL database (issue 19's two-node
 * test, with test/postgres-two-nodes-failover.test.ts): mail taken on one node reaches
 * IDLE sessions on the other, flags and expunges made on one reach QRESYNC sessions
 * on the other, and ten clients over both nodes appending and expunging at once get
 * unique, increasing UIDs and MODSEQs, and every session ends with the same mailbox.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { imapflow } from './helpers/imap.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { ALICE, aliceOn, appendUid, messageWithId, modSeqs, twoNodes } from './helpers/postgres-nodes.ts';
import { SmtpClient } from './helpers/smtp.ts';
import type { RawImap } from './helpers/imap.ts';

const database = postgresForFile();

test('two nodes on one database: SMTP on A is seen in IDLE on B, a flag set on B is seen in IDLE on A', async (t) => {
  const url = await database(t);
  if (!url) return;
  const { a, b } = await twoNodes(t, url);

  const onB = await imapflow(t, b.ports.imap, ALICE);
  await onB.mailboxOpen('INBOX');
  const told = once(onB, 'exists');
  const idleB = onB.idle();
  const smtp = await SmtpClient.connect(a.ports.smtp);
  await smtp.hello();
  assert.match(await smtp.cmd('MAIL FROM:<bob@example.net>'), /^250/);
  assert.match(await smtp.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await smtp.data(`From: bob@example.net\r\nTo: ${ALICE}\r\nSubject: across nodes\r\nMessage-ID: <x1@example.net>\r\n\r\nHi.\r\n`), /^250/);
  smtp.close();
  const [exists] = (await told) as [{ count: number }];
  assert.equal(exists.count, 1, 'node B tells its IDLE client of mail node A took');
  await onB.noop();
  await idleB;

  const onA = await imapflow(t, a.ports.imap, ALICE);
  await onA.mailboxOpen('INBOX');
  const flagged = once(onA, 'flags');
  const idleA = onA.idle();
  assert.ok(await onB.messageFlagsAdd('1', ['\\Flagged']));
  const [change] = (await flagged) as [{ uid?: number; seq: number; flags: Set<string> }];
  assert.equal(change.seq, 1);
  assert.ok(change.flags.has('\\Flagged'), 'node A tells its IDLE client of the flag set on node B');
  await onA.noop();
  await idleA;
  const [fromA, fromB] = [await onA.fetchOne('1', { uid: true, envelope: true }), await onB.fetchOne('1', { uid: true, envelope: true })];
  assert.ok(fromA && fromB);
  assert.deepEqual([fromA.uid, fromA.envelope?.subject], [fromB.uid, 'across nodes']);
});

/** Untagged lines read until `done` holds for all of them read so far; the test's deadline bounds the wait. */
async function linesUntil(c: RawImap, done: (lines: string[]) => boolean): Promise<string[]> {
  const lines: string[] = [];
  while (!done(lines)) {
    const line = await c.line();
    if (line === null) throw new Error(`connection closed after ${JSON.stringify(lines)}`);
    lines.push(line);
  }
  return lines;
}

test('a flag set and a message expunged on B reach A: in a QRESYNC session in IDLE, and in a QRESYNC SELECT after', async (t) => {
  const url = await database(t);
  if (!url) return;
  const { a, b } = await twoNodes(t, url);
  const onB = await aliceOn(t, b.ports.imap);
  assert.match((await onB.command('s', 'SELECT INBOX (CONDSTORE)')).at(-1)!, /^s OK/);
  const uids: number[] = [];
  for (let i = 1; i <= 3; i++) uids.push(await appendUid(onB, `a${i}`, messageWithId(`q${i}@example.net`)));
  const [kept, gone, untouched] = uids as [number, number, number];

  const onA = await aliceOn(t, a.ports.imap);
  assert.match((await onA.command('e', 'ENABLE QRESYNC')).at(-1)!, /^e OK/);
  const selected = (await onA.command('s', 'SELECT INBOX')).join('\n');
  assert.match(selected, /^\* 3 EXISTS$/m);
  const uidValidity = Number(/UIDVALIDITY (\d+)/.exec(selected)![1]);
  const before = Number(/HIGHESTMODSEQ (\d+)/.exec(selected)![1]);
  onA.send('i IDLE\r\n');
  assert.equal(await onA.line(), '+ idling');

  const stored = (await onB.command('f', `UID STORE ${kept} +FLAGS (\\Flagged)`)).join('\n');
  const flagModSeq = Number(new RegExp(`^\\* 1 FETCH \\(.*MODSEQ \\((\\d+)\\)`, 'm').exec(stored)![1]);
  assert.ok(flagModSeq > before);
  assert.match((await onB.command('d', `UID STORE ${gone} +FLAGS.SILENT (\\Deleted)`)).at(-1)!, /^d OK/);
  assert.match((await onB.command('x', `UID EXPUNGE ${gone}`)).at(-1)!, /^x OK/);

  const flagLine = (line: string) => new RegExp(`^\\* 1 FETCH \\(UID ${kept} FLAGS \\(\\\\Flagged\\) MODSEQ \\(${flagModSeq}\\)\\)$`).test(line);
  const idled = await linesUntil(onA, (lines) => lines.some(flagLine) && lines.includes(`* VANISHED ${gone}`));
  assert.ok(!idled.some((l) => / EXPUNGE$/.test(l)), 'with QRESYNC an expunge is VANISHED, never EXPUNGE');
  onA.send('DONE\r\n');
  assert.match((await onA.until('i')).at(-1)!, /^i OK/);

  const resync = await aliceOn(t, a.ports.imap);
  assert.match((await resync.command('e', 'ENABLE QRESYNC')).at(-1)!, /^e OK/);
  const lines = await resync.command('s', `SELECT INBOX (QRESYNC (${uidValidity} ${before}))`);
  assert.ok(lines.includes(`* VANISHED (EARLIER) ${gone}`), lines.join('\n'));
  const fetched = lines.filter((l) => / FETCH /.test(l));
  assert.equal(fetched.length, 1, `only the flagged message changed since ${before}: ${fetched.join(' | ')}`);
  assert.match(fetched[0]!, new RegExp(`^\\* 1 FETCH \\(UID ${kept} FLAGS \\(\\\\Flagged\\) MODSEQ \\(${flagModSeq}\\)\\)$`));
  assert.ok(Number(/HIGHESTMODSEQ (\d+)/.exec(lines.join('\n'))![1]) > flagModSeq, 'the expunge came after the flag');
  assert.match(lines.join('\n'), /^\* 2 EXISTS$/m);
  assert.deepEqual([...(await modSeqs(resync, 'm')).keys()], [kept, untouched]);
});

/** The UIDs of a UID set such as `1:3,7`, ascending. */
const uidSet = (set: string): number[] =>
  set.split(',').flatMap((part) => {
    const [from, to = from] = part.split(':').map(Number) as [number, number?];
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  });

/** `FETCH 1:* (UID)` in a session: the UIDs it numbers 1..n. */
async function numbered(c: RawImap, tag: string): Promise<number[]> {
  const lines = await c.command(tag, 'FETCH 1:* (UID)');
  return lines.flatMap((l) => {
    const m = /^\* (\d+) FETCH \(UID (\d+)\)$/.exec(l);
    return m ? [Number(m[2])] : [];
  });
}

/**
 * Brings a selected session up to date: NOOP, and while it still numbers other UIDs
 * than `expected`, IDLE until the next change reaches it (the other node's changes
 * arrive by NOTIFY, a moment after they commit). The test's deadline bounds the wait.
 */
async function converge(c: RawImap, expected: number[]): Promise<void> {
  for (let round = 0; ; round++) {
    await c.command(`n${round}`, 'NOOP');
    const seen = await numbered(c, `f${round}`);
    if (seen.join() === expected.join()) return;
    c.send(`i${round} IDLE\r\n`);
    assert.equal(await c.line(), '+ idling');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), 120_000)));
    const next = await Promise.race([c.line(), late]);
    clearTimeout(timer);
    // A deadline, not a timing: a session still wrong after two quiet minutes was never told of a change.
    assert.notEqual(next, 'late', `the session numbers ${seen.join()} and hears nothing more; the mailbox holds ${expected.join()}`);
    c.send('DONE\r\n');
    await c.until(`i${round}`);
  }
}

test('ten clients over both nodes APPEND and EXPUNGE at once: unique increasing UIDs and MODSEQs, and one mailbox in every session', async (t) => {
  const url = await database(t);
  if (!url) return;
  const { a, b } = await twoNodes(t, url);
  const CLIENTS = 10;
  const ROUNDS = 12;
  const clients = await Promise.all(Array.from({ length: CLIENTS }, (_, i) => aliceOn(t, (i % 2 === 0 ? a : b).ports.imap)));
  for (const [i, c] of clients.entries()) {
    assert.match((await c.command(`e${i}`, 'ENABLE QRESYNC')).at(-1)!, /^e\d+ OK/);
    assert.match((await c.command(`s${i}`, 'SELECT INBOX')).at(-1)!, /^s\d+ OK/);
  }

  const appended: number[] = [];
  const expunged: number[] = [];
  const work = async (c: RawImap, i: number) => {
    let lastUid = 0;
    let lastModSeq = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const uid = await appendUid(c, `a${r}`, messageWithId(`c${i}.${r}@example.net`));
      assert.ok(uid > lastUid, `client ${i}: UID ${uid} after ${lastUid}`);
      lastUid = uid;
      appended.push(uid);
      if (r % 3 !== 2) continue;
      // Every third message goes again: \Deleted, then UID EXPUNGE of it alone.
      const stored = (await c.command(`d${r}`, `UID STORE ${uid} +FLAGS (\\Deleted)`)).join('\n');
      const flagged = new RegExp(`^\\* \\d+ FETCH \\(UID ${uid} MODSEQ \\((\\d+)\\) FLAGS`, 'm').exec(stored) ?? new RegExp(`^\\* \\d+ FETCH \\(.*UID ${uid}\\b.*MODSEQ \\((\\d+)\\)`, 'm').exec(stored);
      assert.ok(flagged, `client ${i} knows its own message ${uid} at once: ${stored}`);
      const storeModSeq = Number(flagged[1]);
      assert.ok(storeModSeq > lastModSeq, `client ${i}: MODSEQ ${storeModSeq} after ${lastModSeq}`);
      const done = await c.command(`x${r}`, `UID EXPUNGE ${uid}`);
      const vanished = done.flatMap((l) => (l.startsWith('* VANISHED ') ? uidSet(l.slice('* VANISHED '.length)) : []));
      assert.ok(vanished.includes(uid), `client ${i}: ${stored} then ${done.join(' | ')}`);
      const highest = Number(/^x\d+ OK \[HIGHESTMODSEQ (\d+)\]/.exec(done.at(-1)!)![1]);
      assert.ok(highest > storeModSeq, `client ${i}: HIGHESTMODSEQ ${highest} after its STORE at ${storeModSeq}`);
      lastModSeq = highest;
      expunged.push(uid);
    }
  };
  await Promise.all(clients.map(work));

  assert.equal(new Set(appended).size, CLIENTS * ROUNDS, 'every APPENDUID is a UID of its own');
  const gone = new Set(expunged);
  const expected = appended.filter((uid) => !gone.has(uid)).sort((x, y) => x - y);
  for (const node of [a, b]) {
    const fresh = await aliceOn(t, node.ports.imap);
    assert.match((await fresh.command('e', 'ENABLE QRESYNC')).at(-1)!, /^e OK/);
    const selected = (await fresh.command('s', 'SELECT INBOX')).join('\n');
    const highest = Number(/HIGHESTMODSEQ (\d+)/.exec(selected)![1]);
    const states = await modSeqs(fresh, 'm');
    assert.deepEqual([...states.keys()], expected, 'the messages left, in UID order, read from either node');
    // Never changed after its APPEND, each message keeps the MODSEQ it was given with its UID: in the same order.
    const inOrder = [...states.values()];
    assert.ok(inOrder.every((m, i) => i === 0 || m > inOrder[i - 1]!), `MODSEQs rise with UIDs: ${inOrder.join(',')}`);
    assert.ok(inOrder.every((m) => m < highest), 'the expunges came last');
    const vanished = (await fresh.command('v', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)')).find((l) => l.startsWith('* VANISHED (EARLIER) '));
    assert.deepEqual(uidSet(vanished?.slice('* VANISHED (EARLIER) '.length) ?? ''), [...gone].sort((x, y) => x - y), 'every expunge is remembered for QRESYNC');
  }
  // Every session, on either node, ends with the same mailbox, told by the events of both.
  await Promise.all(clients.map((c) => converge(c, expected)));
});
