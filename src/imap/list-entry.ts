import type { Mailbox } from '../store/types.ts';
import { mailbox as encodeName, str } from './encoder.ts';
import { hierarchy, type ListEntry } from './list-pattern.ts';
import { SEPARATOR } from './mailbox-name.ts';
import type { ImapSession } from './session.ts';

/**
 * The attributes of a LIST response: children (RFC 3348), a name only its
 * children imply as `\Noselect`, or `\NonExistent` under IMAP4rev2 (RFC 9051
 * 7.3.1, it implies \Noselect), `\Subscribed` when asked and true, the special use.
 */
export function listAttributes(session: ImapSession, entry: ListEntry, mailbox: Mailbox | undefined, subscribed: boolean): string[] {
  const attributes = [entry.hasChildren ? '\\HasChildren' : '\\HasNoChildren'];
  if (!entry.exists) attributes.unshift(session.rev2 ? '\\NonExistent' : '\\Noselect');
  if (subscribed) attributes.push('\\Subscribed');
  if (mailbox?.specialUse) attributes.push(mailbox.specialUse);
  return attributes;
}

/** `LIST (attributes) "/" name [extended]` without the leading `* `. */
export function listLine(session: ImapSession, name: string, attributes: string[], extended = ''): string {
  return `LIST (${attributes.join(' ')}) "${SEPARATOR}" ${encodeName(name, session.utf8)}${extended}`;
}

/**
 * The LIST response IMAP4rev2 sends for one mailbox after SELECT, EXAMINE,
 * CREATE and RENAME (RFC 9051 6.3.2, 6.3.4, 6.3.6), with accurate attributes and
 * `("OLDNAME" (name))` when the mailbox had another name: the one the client
 * sent before it was normalized to NFC (RFC 9051 5.1), or the name before RENAME.
 */
export async function mailboxListing(session: ImapSession, name: string, oldName: string | null): Promise<string> {
  const mailboxes = await session.deps.store.listMailboxes(session.account!.id);
  const entry = hierarchy(mailboxes.map((m) => m.name)).find((e) => e.name === name) ?? { name, exists: false, hasChildren: false };
  const attributes = listAttributes(session, entry, mailboxes.find((m) => m.name === name), false);
  const extended = oldName === null ? '' : ` ("OLDNAME" (${session.utf8 ? str(oldName) : encodeName(oldName)}))`;
  return listLine(session, name, attributes, extended);
}
