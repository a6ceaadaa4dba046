import { ok, type Outcome } from './command.ts';
import type { ImapSession } from './session.ts';

/**
 * With QRESYNC the tagged OK of EXPUNGE and UID EXPUNGE carries the new
 * HIGHESTMODSEQ (RFC 7162 3.2.7): the session fills it in after its last report
 * before that OK, from what that report covered, so that it is never below a
 * MODSEQ the client was told, nor above a change it was not.
 */
export function expunged(session: ImapSession, text: string): Outcome {
  return { ...ok(text), highestModSeq: session.qresync };
}
