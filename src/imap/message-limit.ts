import type { Uid } from '../store/types.ts';
import type { Outcome } from './command.ts';
import type { ImapSession } from './session.ts';

/**
 * RFC 9738 (MESSAGELIMIT): one SEARCH, FETCH, STORE, COPY, MOVE (and their UID
 * forms), APPEND or UID EXPUNGE processes at most `imap.message_limit` messages.
 * Past it the highest UIDs are processed, highest first (section 3.1: "the server is
 * REQUIRED to process messages from highest to lowest UID"), and the answer names
 * the lowest one done, so the client goes on below it. EXPUNGE, CLOSE and STATUS
 * have no limit (section 3.1).
 */
export interface LimitCut {
  limit: number;
  /** The lowest UID processed. */
  lowest: Uid;
  /** How many messages the command named. */
  named: number;
}

/**
 * The UIDs a command may process: all those named (ascending), or past the limit
 * the highest `limit` ones with the cut to report. `order` is the order to answer
 * them in: highest first once cut.
 */
export function limitUids(session: ImapSession, uids: readonly Uid[], command: string): { uids: Uid[]; order: Uid[]; cut: LimitCut | null } {
  const limit = session.deps.messageLimit;
  if (uids.length <= limit) return { uids: [...uids], order: [...uids], cut: null };
  const kept = uids.slice(uids.length - limit);
  logCut(session, command, uids.length);
  return { uids: kept, order: [...kept].reverse(), cut: { limit, lowest: kept[0]!, named: uids.length } };
}

/** `MESSAGELIMIT n [uid]` (RFC 9738 section 5); the UID is left out when nothing was processed. */
export const limitCode = (limit: number, lowest?: Uid): string => (lowest === undefined ? `MESSAGELIMIT ${limit}` : `MESSAGELIMIT ${limit} ${lowest}`);

/** The refusal of a command that must do all or nothing (COPY, APPEND, PARTIAL past the limit). */
export function limitRefusal(session: ImapSession, command: string, named: number, lowest?: Uid, limit = session.deps.messageLimit): Outcome {
  logCut(session, command, named);
  return { status: 'NO', text: `At most ${limit} messages in one command, try a smaller set`, code: limitCode(limit, lowest) };
}

/**
 * The command's answer with the cut reported: in its tagged OK, or, when that
 * already carries a code (EXPUNGEISSUED, MODIFIED, HIGHESTMODSEQ) or is not an OK,
 * in an untagged NO before it (section 3.1, as for EXPUNGEISSUED).
 */
export async function withCut(session: ImapSession, outcome: Outcome, cut: LimitCut | null): Promise<Outcome> {
  if (!cut) return outcome;
  const code = limitCode(cut.limit, cut.lowest);
  const text = `Only the last ${cut.limit} of ${cut.named} messages were processed`;
  if (outcome.status === 'OK' && !outcome.code && !outcome.highestModSeq) return { ...outcome, code, text };
  await session.untagged(`NO [${code}] ${text}`);
  return outcome;
}

/** Section 4.2: attempts past the limit are logged, to see which clients know it. */
function logCut(session: ImapSession, command: string, named: number): void {
  session.log.info({ ip: session.ip, user: session.account?.address, reason: 'message-limit', command, named }, 'command cut at MESSAGELIMIT');
}
