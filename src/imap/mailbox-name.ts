import { ParseError, type Parser } from './parser.ts';
import { decodeMailboxName } from './utf7.ts';

/** The hierarchy separator; it is also the store's. */
export const SEPARATOR = '/';

/** A mailbox argument: modified UTF-7 decoded, INBOX in any case is INBOX (RFC 3501 5.1). */
export function parseMailboxName(p: Parser): string {
  return parseNamedMailbox(p).name;
}

/**
 * A mailbox argument, and the UTF-8 text the client sent when that was not in
 * NFC: such a name is accepted and normalized (RFC 9051 5.1, RFC 6855 3), and
 * IMAP4rev2 then tells the client with OLDNAME.
 */
export function parseNamedMailbox(p: Parser): { name: string; supplied: string | null } {
  const text = p.astring();
  const name = normalize(mailboxText(p, text));
  return { name, supplied: p.utf8Names && text !== text.normalize('NFC') ? text : null };
}

/** A name or pattern as the client sent it: modified UTF-7, or UTF-8 (in NFC) after UTF8=ACCEPT or IMAP4rev2. */
export function mailboxText(p: Parser, text: string): string {
  if (p.utf8Names) return text.normalize('NFC');
  const decoded = decodeMailboxName(text);
  if (decoded === null) throw new ParseError('mailbox name is not valid modified UTF-7');
  return decoded;
}

/** ` mailbox` as a command's only argument (DELETE, SUBSCRIBE, GETQUOTAROOT...). */
export function parseMailboxArgument(p: Parser): string {
  p.sp();
  const name = parseMailboxName(p);
  p.end();
  return name;
}

/**
 * Why a name cannot be given to a new mailbox, or null: no wildcards (LIST could
 * not name it), and Net-Unicode only (RFC 9051 5.1, RFC 5198): no control
 * characters, no U+FFFD that bytes which were not UTF-8 decode to.
 */
export function newNameProblem(name: string): string | null {
  if (/[*%]/.test(name)) return 'Mailbox names cannot contain * or %';
  if (/[\u0000-\u001f\u007f-\u009f\ufffd]/u.test(name)) return 'Mailbox names must be valid UTF-8 without control characters';
  return null;
}

export function normalize(name: string): string {
  if (name.toUpperCase() === 'INBOX') return 'INBOX';
  const slash = name.indexOf(SEPARATOR);
  if (slash > 0 && name.slice(0, slash).toUpperCase() === 'INBOX') return `INBOX${name.slice(slash)}`;
  return name;
}

/** The names above `name` in the hierarchy, nearest last: `a/b/c` gives `a`, `a/b`. */
export function parentsOf(name: string): string[] {
  const parts = name.split(SEPARATOR);
  return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join(SEPARATOR));
}
