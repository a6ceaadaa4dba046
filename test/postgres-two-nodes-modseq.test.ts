/**
 * RFC 7162 across two nodes: a QRESYNC session on node B is never told a HIGHESTMODSEQ
 * below a MODSEQ it has already been told, while clients on both nodes store flags and
 * expunge in its mailbox. Node B learns node A's changes from the change feed a moment
 * after they commit, and its reads of the database can be ahead of that feed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { postgresForFile } from './helpers/postgres.ts';
import { aliceOn, appendUid, messageWithId, twoNodes } from './helpers/postgres-nodes.ts';
import type { RawImap } from './helpers/imap.ts';

const database = postgresForFile();

/**
 * The highest MODSEQ one session has been told, checked line by line: every
 * HIGHESTMODSEQ (an untagged or tagged response code, a STATUS item) must be at least it.
 */
class ModSeqWitness {
  seen = 0;
  readonly highests: number[] = [];
  readonly broken: string[] = [];

  read(lines: string[]): void {
    for (const line of lines) {
      const highest = /\[HIGHESTMODSEQ (\d+)\]/.exec(line) ?? /^\* STATUS INBOX \(.*HIGHESTMODSEQ (\d+)/.exec(line);
      if (highest) {
        const n = Number(highest[1]);
        this.highests.push(n);
        if (n < this.seen) this.broken.push(`${line} after MODSEQ ${this.seen}`);
        this.seen = Math.max(this.seen, n);
      }
      const modSeq = /^\* \d+ FETCH \(.*\bMODSEQ \((\d+)\)/.exec(line);
      if (modSeq) this.seen = Math.max(this.seen, Number(modSeq[1]));
    }
  }
}

/** `tag command` on `c`, its lines read by `witness`; they are returned too. */
async function run(c: RawImap, witness: ModSeqWitness | null, tag: string, command: string): Promise<string[]> {
  const lines = await c.command(tag, command);
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`), `${command}: ${lines.join(' | ')}`);
  witness?.read(lines);
  return lines;
}

test('a QRESYNC session on B never hears a HIGHESTMODSEQ below a MODSEQ it was told, while A and B store and expunge', async (t) => {
  const url = await database(t);
  if (!url) return;
  const { a, b } = await twoNodes(t, url);
  const MESSAGES = 6;
  const ROUNDS = 60;

  const flagger = await aliceOn(t, a.ports.imap);
  await run(flagger, null, 's', 'SELECT INBOX');
  for (let i = 1; i <= MESSAGES; i++) await appendUid(flagger, `a${i}`, messageWithId(`m${i}@example.net`));
  const expunger = await aliceOn(t, a.ports.imap);
  await run(expunger, null, 's', 'SELECT INBOX');
  const localWriter = await aliceOn(t, b.ports.imap);
  await run(localWriter, null, 's', 'SELECT INBOX');

  const witnesses: ModSeqWitness[] = [];
  const observe = async (c: RawImap, k: number, writing: () => boolean) => {
    const witness = new ModSeqWitness();
    witnesses.push(witness);
    await run(c, witness, 'e', 'ENABLE QRESYNC');
    await run(c, witness, 's', 'SELECT INBOX');
    for (let r = 0; writing(); r++) {
      // Each command ends with a report of the changes seen, then its tagged response.
      await run(c, witness, `n${r}`, 'NOOP');
      await run(c, witness, `x${r}`, 'UID EXPUNGE 1:*');
      // MODSEQs read from the database, then a HIGHESTMODSEQ at once.
      await run(c, witness, `f${r}`, `FETCH 1:${MESSAGES} (FLAGS MODSEQ)`);
      await run(c, witness, `y${r}`, 'UID EXPUNGE 1:*');
      await run(c, witness, `t${r}`, 'STATUS INBOX (HIGHESTMODSEQ MESSAGES)');
      await run(c, witness, `u${r}`, `UID STORE ${1 + ((r + k) % MESSAGES)} FLAGS (\\Seen)`);
      await run(c, witness, `v${r}`, 'EXPUNGE');
    }
  };

  let writers = 3;
  const flagging = async () => {
    for (let r = 0; r < ROUNDS; r++) await run(flagger, null, `g${r}`, `STORE 1:${MESSAGES} ${r % 2 ? '-' : '+'}FLAGS.SILENT (\\Flagged $K${r % 4})`);
    writers--;
  };
  const expunging = async (c: RawImap, name: string) => {
    for (let r = 0; r < ROUNDS / 3; r++) {
      const uid = await appendUid(c, `${name}a${r}`, messageWithId(`${name}${r}@example.net`));
      await run(c, null, `${name}d${r}`, `UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`);
      await run(c, null, `${name}x${r}`, `UID EXPUNGE ${uid}`);
    }
    writers--;
  };
  const observers = await Promise.all([aliceOn(t, b.ports.imap), aliceOn(t, b.ports.imap)]);
  await Promise.all([
    flagging(),
    expunging(expunger, 'p'),
    expunging(localWriter, 'q'),
    ...observers.map((c, k) => observe(c, k, () => writers > 0)),
  ]);

  for (const witness of witnesses) {
    assert.ok(witness.highests.length > 0, 'the sessions were told HIGHESTMODSEQs');
    assert.deepEqual(witness.broken, [], 'RFC 7162: HIGHESTMODSEQ is never below a MODSEQ the client was told');
  }
});
