import { newMailbox, type Counters } from '../rules/mailbox.ts';
import { unreferencedBlobs, type Release } from '../rules/references.ts';
import type { AccountId, Mailbox, SpecialUse } from '../types.ts';
import type { Tx } from './core.ts';
import { mailboxRow, toMailbox, type AccountRow, type MailboxRow } from './rows.ts';

/** Mailbox rows as both the directory (default mailboxes, account removal) and the mail role write them. */

/** The id counters, locked until the transaction ends: whoever takes ids writes them back with `saveCounters`. */
export async function lockCounters(tx: Tx): Promise<Counters> {
  const [row] = await tx<{ next_account_id: number; next_mailbox_id: number; next_uid_validity: number }[]>`
    SELECT next_account_id, next_mailbox_id, next_uid_validity FROM counters WHERE id = 1 FOR UPDATE`;
  return { nextAccountId: row!.next_account_id, nextMailboxId: row!.next_mailbox_id, nextUidValidity: row!.next_uid_validity };
}

export async function saveCounters(tx: Tx, c: Counters): Promise<void> {
  await tx`UPDATE counters SET next_account_id = ${c.nextAccountId}, next_mailbox_id = ${c.nextMailboxId}, next_uid_validity = ${c.nextUidValidity} WHERE id = 1`;
}

/** A new mailbox row, its id and UIDVALIDITY taken from `counters` (locked by the caller). */
export async function insertMailbox(tx: Tx, counters: Counters, accountId: AccountId, name: string, specialUse: SpecialUse | null, subscribed: boolean): Promise<Mailbox> {
  const mailbox = newMailbox(counters, accountId, name, specialUse, subscribed, Date.now());
  await tx`INSERT INTO mailboxes ${tx(mailboxRow(mailbox) as unknown as Record<string, unknown>)}`;
  return mailbox;
}

/**
 * Mailbox rows locked for writing, in id order (every writer locks in that order, so
 * two never wait on each other). The row lock is what makes UID and MODSEQ
 * assignment exact with several nodes writing: the rules run on the locked row.
 */
export async function lockMailboxes(tx: Tx, ids: readonly number[]): Promise<Map<number, Mailbox>> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const rows = await tx<MailboxRow[]>`SELECT * FROM mailboxes WHERE id = ANY(${sorted}::bigint[]) ORDER BY id FOR NO KEY UPDATE`;
  return new Map(rows.map((r) => [r.id, toMailbox(r)]));
}

/** Writes back what the rules changed in a locked mailbox row. */
export async function saveMailbox(tx: Tx, m: Mailbox): Promise<void> {
  await tx`UPDATE mailboxes SET uid_next = ${m.uidNext}, highest_modseq = ${m.highestModSeq}, messages = ${m.messages},
    unseen = ${m.unseen}, size = ${m.size}, subscribed = ${m.subscribed} WHERE id = ${m.id}`;
}

/**
 * Locks an account row: appends, copies and expunges of one account are serialised by
 * it (as LevelDB's account lock does in one process), so quota checks see every
 * message, from any node.
 */
export async function lockAccounts(tx: Tx, ids: readonly number[]): Promise<AccountRow[]> {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  // The whole rows: the quota rule reads them next, and this saves it a round trip.
  // Awaited here, so that the statement is sent when this is called (lock order).
  return await tx<AccountRow[]>`SELECT * FROM accounts WHERE id = ANY(${sorted}::bigint[]) ORDER BY id FOR NO KEY UPDATE`;
}

/** The reference name of a message row, for the reference-counting rule. */
export const refOf = (mailboxId: number, uid: number): string => `${mailboxId}/${uid}`;

/**
 * Deletes the bodies that lose their last reference (rules/references.ts) with
 * `released`, whose message rows this transaction deletes. The blob rows are locked
 * first, so two transactions dropping the last two references of one body from
 * different accounts decide one after the other, the second seeing the first's commit.
 */
export async function freeBlobs(tx: Tx, released: readonly Release[]): Promise<void> {
  if (released.length === 0) return;
  const ids = [...new Set(released.map((r) => r.blobId))].sort();
  await tx`SELECT id FROM blobs WHERE id = ANY(${ids}) ORDER BY id FOR UPDATE`;
  const refsOf = async (blobId: string) => (await tx<{ ref: string }[]>`SELECT mailbox_id || '/' || uid AS ref FROM messages WHERE blob_id = ${blobId}`).map((r) => r.ref);
  const unreferenced = await unreferencedBlobs(released, refsOf);
  if (unreferenced.length > 0) await tx`DELETE FROM blobs WHERE id = ANY(${unreferenced})`;
}
