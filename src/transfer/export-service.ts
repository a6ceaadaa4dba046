import type { Account, MailStore } from '../store/types.ts';

/** Bytes of bodies one exportRead answers with at most (as base64 in a JSON line); the CLI asks again for the rest. */
export const EXPORT_READ_BYTES = 8 << 20;

export interface ExportedMailbox {
  name: string;
  specialUse: string | null;
  subscribed: boolean;
  messages: number;
}

export interface ExportedMessage {
  uid: number;
  flags: string[];
  internalDate: number;
  size: number;
}

export async function exportMailboxes(store: MailStore, account: Account, only?: string): Promise<ExportedMailbox[]> {
  const all = await store.listMailboxes(account.id);
  const chosen = only === undefined ? all : all.filter((m) => m.name === (only.toUpperCase() === 'INBOX' ? 'INBOX' : only));
  if (only !== undefined && chosen.length === 0) throw new Error(`no mailbox ${only} in ${account.address}`);
  return chosen
    .map(({ name, specialUse, subscribed, messages }) => ({ name, specialUse, subscribed, messages }))
    .sort((a, b) => (a.name === 'INBOX' ? -1 : b.name === 'INBOX' ? 1 : a.name.localeCompare(b.name)));
}

async function mailbox(store: MailStore, account: Account, name: string) {
  const found = await store.getMailbox(account.id, name);
  if (!found) throw new Error(`no mailbox ${name} in ${account.address}`);
  return found;
}

export async function exportList(store: MailStore, account: Account, name: string): Promise<ExportedMessage[]> {
  const messages = await store.listMessages((await mailbox(store, account, name)).id);
  return messages.map(({ uid, flags, internalDate, size }) => ({ uid, flags, internalDate, size }));
}

/** The bodies of `uids` in order, base64, as many as fit in EXPORT_READ_BYTES (at least one). */
export async function exportRead(store: MailStore, account: Account, name: string, uids: number[]): Promise<{ uid: number; data: string }[]> {
  if (!Array.isArray(uids) || !uids.every((u) => Number.isSafeInteger(u) && u > 0)) throw new Error('uids must be positive whole numbers');
  const box = await mailbox(store, account, name);
  const out: { uid: number; data: string }[] = [];
  let bytes = 0;
  for (const message of await store.getMessages(box.id, uids)) {
    if (!message) continue;
    if (out.length > 0 && bytes + message.size > EXPORT_READ_BYTES) break;
    const chunks: Buffer[] = [];
    for await (const chunk of store.readMessage(message)) chunks.push(chunk);
    out.push({ uid: message.uid, data: Buffer.concat(chunks).toString('base64') });
    bytes += message.size;
  }
  return out;
}
