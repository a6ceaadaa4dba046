import { isSystemFlag, newKeywords } from '../rules/keywords.ts';
import type { MailboxId } from '../types.ts';
import type { Tx } from './core.ts';

/**
 * The keyword rule (rules/keywords.ts) for a transaction that holds the mailbox row
 * locked and is about to give its messages these flags. The mailbox's keywords are
 * those its messages ever held (`mailbox_keywords`, which triggers on `messages`
 * keep, schema.ts 7), as LevelDB's flag table. Throws `limit` before anything is
 * written; reads nothing when the flags hold no keyword.
 */
export async function admitKeywords(tx: Tx, mailboxId: MailboxId, flagLists: Iterable<readonly string[]>, max: number): Promise<void> {
  const wanted = new Set<string>();
  for (const flags of flagLists) for (const flag of flags) if (!isSystemFlag(flag)) wanted.add(flag);
  if (wanted.size === 0) return;
  newKeywords(await knownKeywords(tx, mailboxId), wanted, max);
}

/** The keywords the mailbox holds, as the keyword rule reads them. */
export async function knownKeywords(tx: Tx, mailboxId: MailboxId): Promise<Set<string>> {
  return new Set((await tx<{ keyword: string }[]>`SELECT keyword FROM mailbox_keywords WHERE mailbox_id = ${mailboxId}`).map((r) => r.keyword));
}
