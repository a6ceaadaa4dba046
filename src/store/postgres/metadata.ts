import type { AccountId, MailboxId, MetadataEntry, MetadataLimits, MetadataOutcome } from '../types.ts';
import type { PgCore } from './core.ts';
import { lockAccounts } from './mailbox-rows.ts';

/** IMAP METADATA (RFC 5464) in PostgreSQL: one row per entry; the server's entries under mailbox 0. */

export async function listMetadata(core: PgCore, accountId: AccountId, mailboxId: MailboxId | null): Promise<MetadataEntry[]> {
  const rows = await core.sql<MetadataEntry[]>`SELECT entry, value FROM metadata WHERE account_id = ${accountId} AND mailbox_id = ${mailboxId ?? 0} ORDER BY entry COLLATE "C"`;
  return rows.map((r) => ({ entry: r.entry, value: r.value }));
}

/**
 * Sets entries (a null value removes one) in one transaction, rolled back when the
 * account's annotations would then pass `limits`. A deleted mailbox's entries went with it.
 */
export function setMetadata(core: PgCore, accountId: AccountId, mailboxId: MailboxId | null, changes: { entry: string; value: Buffer | null }[], limits: MetadataLimits): Promise<MetadataOutcome> {
  return core
    .tx(async (tx) => {
      await lockAccounts(tx, [accountId]);
      const owner = mailboxId ?? 0;
      for (const { entry, value } of changes) {
        if (value === null) await tx`DELETE FROM metadata WHERE account_id = ${accountId} AND mailbox_id = ${owner} AND entry = ${entry}`;
        else await tx`INSERT INTO metadata (account_id, mailbox_id, entry, value) VALUES (${accountId}, ${owner}, ${entry}, ${value}) ON CONFLICT (account_id, mailbox_id, entry) DO UPDATE SET value = EXCLUDED.value`;
      }
      // What an entry costs: its name (with its mailbox, as LevelDB's key counts it) and its value.
      const [total] = await tx<{ entries: number; bytes: number }[]>`
        SELECT count(*)::int AS entries, coalesce(sum(length(entry) + 9 + length(value)), 0)::bigint AS bytes FROM metadata WHERE account_id = ${accountId}`;
      const refused = total!.entries > limits.maxEntries ? 'too-many' : total!.bytes > limits.maxBytes ? 'too-big' : null;
      if (refused) throw new Refusal(refused);
      return { ok: true } as const;
    })
    .catch((err: unknown) => {
      if (err instanceof Refusal) return { ok: false, reason: err.reason } as const;
      throw err;
    });
}

/** Thrown inside a transaction to roll it back and answer with a refusal. */
class Refusal extends Error {
  readonly reason: 'too-many' | 'too-big';
  constructor(reason: 'too-many' | 'too-big') {
    super(reason);
    this.reason = reason;
  }
}
