import type { CopyOutcome } from '../store/types.ts';
import { parseMailboxName } from './mailbox-name.ts';
import { parseMessageSet, type MessageSet } from './message-set.ts';
import type { Parser } from './parser.ts';
import { compactSet } from './sequence-set.ts';
import { no, type Outcome } from './command.ts';
import type { ImapSession } from './session.ts';

export interface TransferArgs {
  messages: MessageSet;
  target: string;
}

/** `sequence-set SP mailbox`, for COPY and MOVE. */
export function parseTransfer(p: Parser, byUid: boolean): TransferArgs {
  p.sp();
  const messages = parseMessageSet(p, byUid);
  p.sp();
  const target = parseMailboxName(p);
  p.end();
  return { messages, target };
}

/** The target mailbox's id, or the NO that tells the client to create it (RFC 3501 6.4.7). */
export async function targetMailbox(session: ImapSession, name: string): Promise<number | Outcome> {
  const mailbox = await session.deps.store.getMailbox(session.account!.id, name);
  return mailbox ? mailbox.id : no(`No mailbox named ${name}`, 'TRYCREATE');
}

/** COPYUID (RFC 4315) for a finished copy, or the NO for a failed one; null when nothing was copied. */
export function copyResult(outcome: CopyOutcome): { code: string | null } | Outcome {
  if (!outcome.ok) return no(outcome.detail, outcome.reason === 'quota' ? 'OVERQUOTA' : 'TRYCREATE');
  if (outcome.copies.length === 0) return { code: null };
  const from = compactSet(outcome.copies.map((c) => c.from));
  const to = compactSet(outcome.copies.map((c) => c.to));
  return { code: `COPYUID ${outcome.uidValidity} ${from} ${to}` };
}
