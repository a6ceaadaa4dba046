import { newMailbox } from '../rules/mailbox.ts';
import { unreferencedBlobs, type Release } from '../rules/references.ts';
import type { AccountId, BlobMeta, Mailbox, MailboxId, MessageMeta, SpecialUse } from '../types.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, put, type LevelCore } from './core.ts';
import { blobHead } from './body-reader.ts';
import { keys } from './keys.ts';
import { indexRemovalOps, newIndexOps } from './mailbox-index.ts';

/**
 * Mailbox records as both the directory (an account's default mailboxes, its
 * removal) and the mail role (everything else) write them.
 */

export async function listMailboxes(core: LevelCore, accountId: AccountId): Promise<Mailbox[]> {
  const ids = await core.scan<MailboxId>(keys.mailboxNamePrefix(accountId));
  return (await core.getMany<Mailbox>(ids.map(keys.mailbox))).filter((m): m is Mailbox => m !== null);
}

/** The message records as stored: their `flags` and `modSeq` are those at append (the index has the current ones). */
export const listMessageRecords = (core: LevelCore, mailboxId: MailboxId): Promise<MessageMeta[]> => core.scan<MessageMeta>(keys.messagePrefix(mailboxId));

export function newMailboxOps(core: LevelCore, accountId: AccountId, name: string, specialUse: SpecialUse | null, subscribed: boolean): { mailbox: Mailbox; ops: BatchOp[] } {
  const mailbox = newMailbox(core.counters, accountId, name, specialUse, subscribed, Date.now());
  return { mailbox, ops: [put(keys.mailbox(mailbox.id), mailbox), put(keys.mailboxName(accountId, name), mailbox.id), ...newIndexOps(mailbox.id)] };
}

/** The record, name entry, index, messages and expunge records of a mailbox, and the body references it drops. */
export async function mailboxRemovalOps(core: LevelCore, mailbox: Mailbox): Promise<{ ops: BatchOp[]; released: Release[] }> {
  const ops: BatchOp[] = [del(keys.mailbox(mailbox.id)), del(keys.mailboxName(mailbox.accountId, mailbox.name))];
  const released: Release[] = [];
  for (const message of await listMessageRecords(core, mailbox.id)) {
    const ref = keys.ref(message.blobId, mailbox.id, message.uid);
    ops.push(del(keys.message(mailbox.id, message.uid)), del(ref));
    released.push({ blobId: message.blobId, ref });
  }
  for (const key of await core.scanKeys(keys.expungedPrefix(mailbox.id))) ops.push(del(key));
  ops.push(...(await indexRemovalOps(core, mailbox.id)));
  return { ops, released };
}

/** Every key of a body: its record, search text, fetch summary and chunks. */
export function blobRemovalOps(blob: Pick<BlobMeta, 'id' | 'chunks'>): BatchOp[] {
  const ops = [del(keys.blob(blob.id)), del(keys.blobText(blob.id)), del(keys.blobSummary(blob.id))];
  for (let i = 0; i < blob.chunks; i++) ops.push(del(keys.chunk(blob.id, i)));
  return ops;
}

/**
 * Deletes the bodies that lose their last reference. Runs under the blob lock, so
 * no other expunge can decide about the same bodies from a stale view.
 */
export async function freeBlobOps(core: LevelCore, released: Release[]): Promise<BatchOp[]> {
  const ops: BatchOp[] = [];
  for (const blobId of await unreferencedBlobs(released, (id) => core.scanKeys(keys.refPrefix(id)))) {
    const record = await core.db.get(keys.blob(blobId));
    ops.push(...blobRemovalOps({ id: blobId, chunks: record === undefined ? 0 : blobHead(record).chunks }));
    // Full-text index hook: the body's index entries leave with it.
    ops.push(...(await core.searchIndex.removeOps(blobId)));
  }
  return ops;
}
