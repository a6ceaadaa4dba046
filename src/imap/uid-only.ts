import { bad, type Outcome } from './command.ts';
import { anyKey, type SearchKey } from './search-query.ts';
import type { ImapSession } from './session.ts';

/** The commands whose plain form names messages by number. */
const NUMBERED = new Set(['FETCH', 'STORE', 'COPY', 'MOVE', 'SEARCH', 'SORT', 'THREAD']);

/** Whether the client enabled UIDONLY (RFC 9586): no message number goes either way. */
export const isUidOnly = (session: ImapSession): boolean => session.enabled.has('UIDONLY');

/** RFC 9586 section 3: after ENABLE UIDONLY, a command that takes message numbers is `BAD [UIDREQUIRED]`. */
export function uidOnlyRefusal(session: ImapSession, command: string): Outcome | null {
  if (!isUidOnly(session) || !NUMBERED.has(command)) return null;
  return bad(`${command} takes message numbers: use UID ${command}`, 'UIDREQUIRED');
}

/** The same for a search naming messages by number (RFC 9586 section 3.2); `$` is a set of UIDs and stays allowed. */
export function numberedSearchRefusal(session: ImapSession, key: SearchKey): Outcome | null {
  if (!isUidOnly(session) || !anyKey(key, (k) => k.type === 'seq')) return null;
  return bad('Message numbers cannot be searched after ENABLE UIDONLY: use UID', 'UIDREQUIRED');
}

/** The start of a FETCH response: `n FETCH (`, or `UIDFETCH uid (` once UIDONLY is on (RFC 9586 section 3.3). */
export const fetchHead = (seq: number, uid: number, uidOnly: boolean): string => (uidOnly ? `UIDFETCH ${uid} (` : `${seq} FETCH (`);

/** The start of an unsolicited flag update, which names the UID: `n FETCH (UID u `, or `UIDFETCH u (`. */
export const flagsHead = (seq: number, uid: number, uidOnly: boolean): string => (uidOnly ? fetchHead(seq, uid, true) : `${seq} FETCH (UID ${uid} `);
