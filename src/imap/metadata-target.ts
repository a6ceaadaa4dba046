import { no, type Outcome } from './command.ts';
import type { ImapSession } from './session.ts';

/** The mailbox id whose entries a METADATA command names, null for the server's (""), or the NO. */
export async function metadataTarget(session: ImapSession, name: string): Promise<number | null | Outcome> {
  if (name === '') return null;
  const mailbox = await session.deps.store.getMailbox(session.account!.id, name);
  return mailbox ? mailbox.id : no(`No mailbox named ${name}`, 'NONEXISTENT');
}
