import { isSeen } from '../flags.ts';
import { raisedCounters } from '../rules/mailbox.ts';
import type { CheckProblem } from '../types.ts';
import type { PgCore, Tx } from './core.ts';
import { lockCounters, saveCounters } from './mailbox-rows.ts';
import { toMailbox, type MailboxRow } from './rows.ts';

/**
 * `mailfold store check` on PostgreSQL. Foreign keys already hold what LevelDB must
 * verify (a message's body exists, a chunk's body exists); what is left is what the
 * rules keep in counters: each mailbox's counts against its messages, UIDNEXT and
 * HIGHESTMODSEQ above every UID and MODSEQ used, bodies no message refers to, bodies
 * missing chunks, and the id counters above every id in use. One transaction, with
 * every mailbox row locked, so no write lands between the reads it compares.
 */
export function checkPostgres(core: PgCore, repair: boolean): Promise<CheckProblem[]> {
  return core.tx(async (tx) => {
    const problems: CheckProblem[] = [];
    const report = (what: string) => problems.push({ what, repaired: repair });
    await checkMailboxes(tx, repair, report);
    const orphans = await tx<{ id: string }[]>`SELECT id FROM blobs b WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.blob_id = b.id) ORDER BY id`;
    for (const { id } of orphans) report(`body ${id}: no message refers to it`);
    if (repair && orphans.length > 0) await tx`DELETE FROM blobs WHERE id = ANY(${orphans.map((o) => o.id)})`;
    const short = await tx<{ id: string; chunks: number; found: number }[]>`
      SELECT b.id, b.chunks, (SELECT count(*) FROM blob_chunks c WHERE c.blob_id = b.id)::int AS found FROM blobs b
      WHERE b.chunks <> (SELECT count(*) FROM blob_chunks c WHERE c.blob_id = b.id) ORDER BY b.id`;
    // A body missing bytes cannot be mended: it is reported, never repaired.
    for (const b of short) problems.push({ what: `body ${b.id}: ${b.found} of ${b.chunks} chunks`, repaired: false });
    const counters = await lockCounters(tx);
    const [used] = await tx<{ account: number; mailbox: number; validity: number }[]>`
      SELECT coalesce((SELECT max(id) FROM accounts), 0) + 1 AS account, coalesce((SELECT max(id) FROM mailboxes), 0) + 1 AS mailbox,
        coalesce((SELECT max(uid_validity) FROM mailboxes), 0) + 1 AS validity`;
    const floor = { nextAccountId: used!.account, nextMailboxId: used!.mailbox, nextUidValidity: used!.validity };
    const raised = raisedCounters(counters, floor);
    if (JSON.stringify(raised) !== JSON.stringify(counters)) {
      report('id counters are behind the ids in use');
      if (repair) await saveCounters(tx, raised);
    }
    return problems;
  });
}

async function checkMailboxes(tx: Tx, repair: boolean, report: (what: string) => void): Promise<void> {
  const mailboxes = (await tx<MailboxRow[]>`SELECT * FROM mailboxes ORDER BY id FOR NO KEY UPDATE`).map(toMailbox);
  for (const mailbox of mailboxes) {
    const tally = { messages: 0, unseen: 0, size: 0, maxUid: 0, maxModSeq: 0 };
    for (const m of await tx<{ uid: number; modseq: number; size: number; flags: string[] }[]>`SELECT uid, modseq, size, flags FROM messages WHERE mailbox_id = ${mailbox.id}`) {
      tally.messages++;
      tally.size += m.size;
      if (!isSeen(m.flags)) tally.unseen++;
      tally.maxUid = Math.max(tally.maxUid, m.uid);
      tally.maxModSeq = Math.max(tally.maxModSeq, m.modseq);
    }
    const [gone] = await tx<{ uid: number; modseq: number }[]>`SELECT coalesce(max(uid), 0) AS uid, coalesce(max(modseq), 0) AS modseq FROM expunged WHERE mailbox_id = ${mailbox.id}`;
    tally.maxUid = Math.max(tally.maxUid, gone!.uid);
    tally.maxModSeq = Math.max(tally.maxModSeq, gone!.modseq);
    const fixed = {
      messages: tally.messages,
      unseen: tally.unseen,
      size: tally.size,
      uidNext: Math.max(mailbox.uidNext, tally.maxUid + 1),
      highestModSeq: Math.max(mailbox.highestModSeq, tally.maxModSeq),
    };
    const wrong = (Object.keys(fixed) as (keyof typeof fixed)[]).filter((k) => fixed[k] !== mailbox[k]);
    if (wrong.length === 0) continue;
    report(`mailbox ${mailbox.id} (${mailbox.name}): ${wrong.map((k) => `${k} ${mailbox[k]} should be ${fixed[k]}`).join(', ')}`);
    if (repair) {
      await tx`UPDATE mailboxes SET messages = ${fixed.messages}, unseen = ${fixed.unseen}, size = ${fixed.size},
        uid_next = ${fixed.uidNext}, highest_modseq = ${fixed.highestModSeq} WHERE id = ${mailbox.id}`;
    }
  }
}
