import { StoreError } from '../types.ts';

/**
 * The keyword rule, for every write that can bring a flag into a mailbox (APPEND,
 * delivery, COPY, MOVE, STORE): a mailbox's keyword list is sent whole in FLAGS and
 * PERMANENTFLAGS at every SELECT, and both stores keep it for the mailbox's life, so
 * both its length and each name are bounded (as Cyrus, 128 user flags, and
 * Dovecot, mail_max_keyword_length = 50).
 */
export const DEFAULT_MAX_KEYWORDS = 128;

/** Bytes; RFC 3501 sets no limit to an atom, Dovecot's default is 50. */
export const MAX_KEYWORD_LENGTH = 50;

/** What the rule needs to know of a mailbox's keywords; each backend reads them its own way. */
export interface KnownKeywords {
  has(keyword: string): boolean;
  readonly size: number;
}

export const isSystemFlag = (flag: string): boolean => flag.startsWith('\\');

/**
 * The keywords of `flags` the mailbox does not hold yet, in order, each once; throws
 * `limit` when one is too long or when they do not fit under `max`. A keyword the
 * mailbox already holds is always accepted.
 */
export function newKeywords(known: KnownKeywords, flags: Iterable<string>, max: number): string[] {
  const fresh = new Set<string>();
  for (const flag of flags) {
    if (isSystemFlag(flag) || known.has(flag) || fresh.has(flag)) continue;
    if (Buffer.byteLength(flag) > MAX_KEYWORD_LENGTH) throw new StoreError('limit', `keyword longer than ${MAX_KEYWORD_LENGTH} bytes`);
    fresh.add(flag);
    if (known.size + fresh.size > max) throw new StoreError('limit', `the mailbox holds its maximum of ${max} keywords; no new one can be created`);
  }
  return [...fresh];
}

/** Whether the mailbox can take another keyword: RFC 3501 7.1, PERMANENTFLAGS lists `\*` only then. */
export const roomForKeywords = (known: number, max: number): boolean => known < max;
