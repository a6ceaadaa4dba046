/**
 * CATENATE (RFC 4469) without URLAUTH: the parts of an APPEND built from text and
 * from IMAP URLs (RFC 5092) naming messages, or parts of them, in the user's own
 * mailboxes. Parsing only; catenate-build.ts reads the parts. Pure.
 */
import type { SectionText } from './fetch-query.ts';
import { normalize } from './mailbox-name.ts';
import { ParseError, type Parser } from './parser.ts';

/** Parts in one message: each URL costs store reads, so their number is bounded apart from the size. */
export const MAX_CATENATE_PARTS = 256;

export type CatPart = { type: 'text'; bytes: Buffer } | { type: 'url'; url: string };

/** `"(" cat-part *(SP cat-part) ")"` after `CATENATE `; cat-part = "TEXT" SP literal / "URL" SP astring. */
export function parseCatenate(p: Parser): CatPart[] {
  const parts = p.list((): CatPart => {
    if (p.take('TEXT ')) {
      // literal8 too (RFC 3516 4.4): a part may hold NULs.
      if (p.peek() === 0x7e) p.pos++;
      if (p.peek() !== 0x7b) throw new ParseError('CATENATE TEXT takes a literal');
      return { type: 'text', bytes: p.stringBytes() };
    }
    p.expect('URL ');
    return { type: 'url', url: p.astring() };
  }, false);
  if (parts.length > MAX_CATENATE_PARTS) throw new ParseError(`at most ${MAX_CATENATE_PARTS} parts in one CATENATE`);
  return parts;
}

/** What a URL names: a message of a mailbox (null: the selected one), maybe one section of it, maybe a range of that. */
export interface MessageUrl {
  mailbox: string | null;
  uidValidity: number | null;
  uid: number;
  path: number[];
  text: SectionText;
  partial: { offset: number; length: number | null } | null;
}

const PATH = /^\/([^;]*?)(?:;UIDVALIDITY=([1-9]\d{0,9}))?\/;UID=([1-9]\d{0,9})(.*)$/i;
const RELATIVE = /^;UID=([1-9]\d{0,9})(.*)$/i;
const SERVER = /^imap:\/\/(?:([^@/;]*)(?:;AUTH=[^@/]*)?@)?[^/@]+(\/.*)$/i;
const TAIL = /^(?:\/;SECTION=([^/;]+))?(?:\/;PARTIAL=(\d{1,10})(?:\.([1-9]\d{0,9}))?)?$/i;
/** enc-section as CATENATE takes it: part numbers (at most 32 deep), then HEADER, TEXT or MIME (after a number). */
const SECTION = /^(?:((?:[1-9]\d{0,4}\.){0,31}[1-9]\d{0,4})(?:\.(HEADER|TEXT|MIME))?|(HEADER|TEXT))$/i;

/**
 * An IMAP URL (RFC 5092) as CATENATE takes it: `imap://user@host/mailbox...` for the
 * logged-in user only, an absolute path `/mailbox;UIDVALIDITY=n/;UID=n...`, or
 * `;UID=n...` in the selected mailbox; with `/;SECTION=` and `/;PARTIAL=`. URLAUTH
 * (`;EXPIRE=`, `;URLAUTH=`) and HEADER.FIELDS sections are not taken. Returns why not.
 */
export function parseMessageUrl(url: string, user: string): MessageUrl | string {
  let rest = url;
  const server = SERVER.exec(rest);
  if (server) {
    const named = decode(server[1] ?? '');
    if (named === null || named.toLowerCase() !== user.toLowerCase()) return 'the URL names another user';
    rest = server[2]!;
  }
  let mailbox: string | null = null;
  let uidValidity: number | null = null;
  let uid: number;
  let tail: string;
  const path = PATH.exec(rest);
  const relative = server ? null : RELATIVE.exec(rest);
  if (path) {
    const name = decode(path[1]!.replace(/\/$/, ''));
    if (name === null || name === '') return 'the URL names no mailbox';
    mailbox = normalize(name);
    uidValidity = path[2] ? Number(path[2]) : null;
    uid = Number(path[3]);
    tail = path[4]!;
  } else if (relative) {
    uid = Number(relative[1]);
    tail = relative[2]!;
  } else {
    return 'not an IMAP URL of a message';
  }
  const parts = TAIL.exec(tail);
  if (!parts) return /;(EXPIRE|URLAUTH)=/i.test(tail) ? 'URLAUTH is not supported' : 'unknown URL parameters';
  const section = parts[1] === undefined ? null : decode(parts[1]);
  const s = section === null ? null : SECTION.exec(section);
  if (parts[1] !== undefined && !s) return 'unsupported SECTION';
  const offset = parts[2] === undefined ? null : Number(parts[2]);
  return {
    mailbox,
    uidValidity,
    uid,
    path: s?.[1] ? s[1].split('.').map(Number) : [],
    text: ((s?.[2] ?? s?.[3])?.toUpperCase() ?? '') as SectionText,
    partial: offset === null ? null : { offset, length: parts[3] ? Number(parts[3]) : null },
  };
}

/** %XX-decoded UTF-8, or null when it is not. */
function decode(text: string): string | null {
  try {
    const decoded = decodeURIComponent(text);
    return /[\x00-\x1f\x7f]/.test(decoded) ? null : decoded;
  } catch {
    return null;
  }
}

/** The URL in a `[BADURL url]` code (RFC 4469 6: no "]", "\" or controls): those are %-encoded. */
export const badUrlCode = (url: string): string =>
  `BADURL ${url.replace(/[^\x20-\x5b\x5e-\x7e]/g, (c) => [...Buffer.from(c)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''))}`;
