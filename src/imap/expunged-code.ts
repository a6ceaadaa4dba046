import type { ImapSession } from './session.ts';

/**
 * With QRESYNC the tagged OK of EXPUNGE and UID EXPUNGE carries the new
 * HIGHESTMODSEQ (RFC 7162 3.2.7). The view's value counts only changes it has
 * received, and all of them are reported before the tagged OK.
 */
export function expungedCode(session: ImapSession): string | undefined {
  return session.qresync ? `HIGHESTMODSEQ ${session.view!.highestModSeq}` : undefined;
}
