import { writeMessages } from '../delivery/deliver.ts';
import type { Account, MailStore, SpecialUse } from '../store/types.ts';
import { cleanFlags } from './flags.ts';

const SPECIAL_USES = new Set<string>(['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive']);
export const MAX_IMPORT_BATCH = 1000;

export interface ImportedMessage {
  mark: string;
  /** Its bytes in the request body, one message after the other. */
  length: number;
  flags: string[];
  internalDate?: number;
}

/**
 * The mailbox a source folder goes to: the account's own special folder when it
 * has one of that use, else the named one, created when missing. Returns its name.
 */
export async function importMailbox(store: MailStore, account: Account, name: string, specialUse: string | null): Promise<string> {
  if (specialUse !== null && !SPECIAL_USES.has(specialUse)) throw new Error(`unknown special use ${JSON.stringify(specialUse)}`);
  const use = specialUse as SpecialUse | null;
  const mailboxes = await store.listMailboxes(account.id);
  const special = use ? mailboxes.find((m) => m.specialUse === use) : undefined;
  if (special) return special.name;
  const existing = await store.getMailbox(account.id, name);
  if (existing) return existing.name;
  return (await store.createMailbox(account.id, name, { specialUse: use, subscribed: true })).name;
}

/**
 * Writes a batch through delivery's write path (no spam verdict, no Sieve: the
 * messages were filed already), atomically with their import marks.
 */
export async function importWrite(store: MailStore, account: Account, mailboxName: string, messages: ImportedMessage[], body: Buffer): Promise<number> {
  if (!Array.isArray(messages) || messages.length === 0 || messages.length > MAX_IMPORT_BATCH) {
    throw new Error(`an import batch holds 1 to ${MAX_IMPORT_BATCH} messages`);
  }
  const mailbox = await store.getMailbox(account.id, mailboxName);
  if (!mailbox) throw new Error(`no mailbox ${mailboxName}`);
  let offset = 0;
  const items = messages.map((m) => {
    if (!Number.isSafeInteger(m.length) || m.length <= 0 || offset + m.length > body.length) throw new Error('message lengths do not match the body');
    const raw = body.subarray(offset, (offset += m.length));
    const date = typeof m.internalDate === 'number' && Number.isFinite(m.internalDate) && m.internalDate > 0 ? m.internalDate : undefined;
    return { raw, internalDate: date, targets: [{ accountId: account.id, mailboxId: mailbox.id, prefix: '', flags: cleanFlags(m.flags ?? []).flags }] };
  });
  if (offset !== body.length) throw new Error('message lengths do not match the body');
  const results = await writeMessages(store, items, { enforceQuota: true, atomic: true, importMarks: { accountId: account.id, marks: messages.map((m) => m.mark) } });
  const failed = results.map((r) => r[0]!).find((o) => !o.ok);
  if (failed && !failed.ok) throw new Error(failed.detail);
  return items.length;
}
