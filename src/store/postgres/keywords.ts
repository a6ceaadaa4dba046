import { isSystemFlag, newKeywords } from '../rules/keywords.ts';
import type { MailboxId } from '../types.ts';
import type { Tx } from './core.ts';

/**
 * The keyword rule (rules/keywords.ts) for a transaction that holds the mailbox row
 * locked and is about to give its messages these flags: the mailbox's keywords are
 * those its messages carry. Throws `limit` before anything is written; reads nothing
 * when the flags hold no keyword.
 */
export async function admitKeywords(tx: Tx, mailboxId: MailboxId, flagLists: Iterable<readonly string[]>, max: number): Promise<void> {
  const wanted = new Set<string>();
  for (const flags of flagLists) for (const flag of flags) if (!isSystemFlag(flag)) wanted.add(flag);
  if (wanted.size === 0) return;
  const rows = await tx<{ k: string }[]>`SELECT DISTINCT k FROM messages, unnest(flags) AS k WHERE mailbox_id = ${mailboxId} AND left(k, 1) <> ${'\\'}`;
  newKeywords(new Set(rows.map((r) => r.k)), wanted, max);
}
