/**
 * Response encoding (RFC 3501 section 7 and 9): strings as quoted or literal,
 * lists, flags, dates, mailbox names, status lines. Pure. Responses are binary
 * strings (one char per byte), as mime/imap-value.ts writes them.
 */
import { quoteString } from '../mime/imap-value.ts';
import { encodeMailboxName } from './utf7.ts';

/** A string for a response: quoted when it can be, else a literal (which may carry 8-bit). */
export const str = (value: string | Buffer): string => quoteString(typeof value === 'string' ? Buffer.from(value).toString('latin1') : value.toString('latin1'));

/** A literal's announcement; the bytes follow separately (streamed). */
export const literalHead = (size: number): string => `{${size}}\r\n`;

/** A literal8's announcement (RFC 3516), for data that may hold NULs. */
export const literal8Head = (size: number): string => `~{${size}}\r\n`;

export const list = (items: readonly string[]): string => `(${items.join(' ')})`;

export const flagList = (flags: readonly string[]): string => list(flags);

/**
 * A mailbox name in modified UTF-7, quoted (a name may hold spaces or wildcards);
 * as UTF-8 once the client enabled UTF8=ACCEPT (RFC 6855 3).
 */
export const mailbox = (name: string, utf8 = false): string => str(utf8 ? name : encodeMailboxName(name));

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** date-time in UTC: `"22-Nov-2026 10:00:00 +0000"`. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  const day = String(d.getUTCDate()).padStart(2, ' ');
  return `"${day}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000"`;
}

export type Status = 'OK' | 'NO' | 'BAD';

/** `tag OK [CODE] text`; `*` as the tag for untagged status lines. */
export function statusLine(tag: string, status: Status | 'BYE' | 'PREAUTH', text: string, code?: string): string {
  return `${tag} ${status} ${code ? `[${code}] ` : ''}${text}\r\n`;
}

/** Human text in a status line must not break the line. */
export const safeText = (text: string): string => text.replace(/[\r\n]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
