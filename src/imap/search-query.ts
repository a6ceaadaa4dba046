import { ParseError, type Parser } from './parser.ts';
import { parseSearchReturn, type SearchReturn } from './search-return.ts';
import { parseSequenceSet, type SequenceSet } from './sequence-set.ts';

/** A parsed SEARCH criterion (RFC 3501 6.4.4, MODSEQ from RFC 7162 3.1.5). */
export type SearchKey =
  | { type: 'all' }
  | { type: 'flag'; flag: string; set: boolean }
  | { type: 'header'; field: string; value: string }
  | { type: 'body'; value: string }
  | { type: 'text'; value: string }
  | { type: 'date'; of: 'internal' | 'sent' | 'saved'; op: 'before' | 'on' | 'since'; day: number }
  /** WITHIN (RFC 5032): the internal date against the time of the search. */
  | { type: 'age'; op: 'older' | 'younger'; seconds: number }
  /** OBJECTID (RFC 8474). */
  | { type: 'objectid'; of: 'email' | 'thread'; id: string }
  | { type: 'size'; op: 'larger' | 'smaller'; octets: number }
  | { type: 'seq'; set: SequenceSet }
  | { type: 'uid'; set: SequenceSet }
  /** UIDAFTER and UIDBEFORE (RFC 9738 3.2): UIDs above or below one, without the `*` of a UID range. */
  | { type: 'uidbound'; op: 'after' | 'before'; uid: number }
  /** `$`, the saved search result (RFC 5182), as a message set or after UID. */
  | { type: 'saved' }
  | { type: 'modseq'; modSeq: number }
  | { type: 'not'; key: SearchKey }
  | { type: 'or'; a: SearchKey; b: SearchKey }
  | { type: 'and'; keys: SearchKey[] };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  OLD: ['\\Recent', false],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
};
const ADDRESS_KEYS = new Set(['BCC', 'CC', 'FROM', 'SUBJECT', 'TO']);
const DATE_KEYS: Record<string, ['internal' | 'sent' | 'saved', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
  SAVEDBEFORE: ['saved', 'before'],
  SAVEDON: ['saved', 'on'],
  SAVEDSINCE: ['saved', 'since'],
};
/** objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 section 4). */
const OBJECTID = /^[A-Za-z0-9_-]{1,255}$/;
/**
 * Search keys (terms, NOT, OR, lists) in one command. Clients send a few dozen at
 * most; the bound keeps a long command line from building a huge tree. What a search
 * may cost to run is bounded apart, by `imap.search_cost`.
 */
export const MAX_SEARCH_KEYS = 8192;
/** Charsets whose bytes are taken as UTF-8 (US-ASCII is a subset). */
export const SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'];

export interface SearchQuery {
  /** ESEARCH result options (RFC 4731, RFC 9394), null for a plain SEARCH. */
  returns: SearchReturn | null;
  charset: string | null;
  key: SearchKey;
}

/** `[RETURN (options) SP] [CHARSET name SP] search-key *(SP search-key)`; several keys are ANDed. */
export function parseSearch(p: Parser): SearchQuery {
  p.sp();
  let returns: SearchReturn | null = null;
  if (p.take('RETURN ')) {
    returns = parseSearchReturn(p);
    p.sp();
  }
  let charset: string | null = null;
  if (p.take('CHARSET ')) {
    charset = p.astring().toUpperCase();
    p.sp();
  }
  const count = { keys: 0 };
  const keys = [searchKey(p, count)];
  while (p.take(' ')) keys.push(searchKey(p, count));
  p.end();
  return { returns, charset, key: keys.length === 1 ? keys[0]! : { type: 'and', keys } };
}

function searchKey(p: Parser, count: { keys: number }): SearchKey {
  if (++count.keys > MAX_SEARCH_KEYS) throw new ParseError(`more than ${MAX_SEARCH_KEYS} search keys`);
  const c = p.peek();
  if (c === 0x28) {
    p.expect('(');
    p.enter();
    const keys = [searchKey(p, count)];
    while (p.take(' ')) keys.push(searchKey(p, count));
    p.expect(')');
    p.leave();
    return keys.length === 1 ? keys[0]! : { type: 'and', keys };
  }
  if ((c >= 0x30 && c <= 0x39) || c === 0x2a) return { type: 'seq', set: parseSequenceSet(p) };
  if (p.take('$')) return { type: 'saved' };
  const name = p.keyword();
  const arg = <T>(read: () => T): T => {
    p.sp();
    return read();
  };
  if (name in FLAG_KEYS) {
    const [flag, set] = FLAG_KEYS[name]!;
    return { type: 'flag', flag, set };
  }
  if (ADDRESS_KEYS.has(name)) return { type: 'header', field: name.toLowerCase(), value: arg(() => p.astring()) };
  if (name in DATE_KEYS) {
    const [of, op] = DATE_KEYS[name]!;
    return { type: 'date', of, op, day: arg(() => p.date()) };
  }
  switch (name) {
    case 'ALL':
      return { type: 'all' };
    // \Recent is the session's own (RFC 3501 2.3.2); NEW is RECENT UNSEEN.
    case 'RECENT':
      return { type: 'flag', flag: '\\Recent', set: true };
    case 'NEW':
      return { type: 'and', keys: [{ type: 'flag', flag: '\\Recent', set: true }, { type: 'flag', flag: '\\Seen', set: false }] };
    case 'KEYWORD':
    case 'UNKEYWORD':
      return { type: 'flag', flag: arg(() => p.atom()), set: name === 'KEYWORD' };
    case 'BODY':
      return { type: 'body', value: arg(() => p.astring()) };
    case 'TEXT':
      return { type: 'text', value: arg(() => p.astring()) };
    case 'HEADER': {
      const field = arg(() => p.astring()).toLowerCase();
      return { type: 'header', field, value: arg(() => p.astring()) };
    }
    case 'LARGER':
    case 'SMALLER':
      return { type: 'size', op: name === 'LARGER' ? 'larger' : 'smaller', octets: arg(() => p.number()) };
    case 'UID':
      p.sp();
      return p.take('$') ? { type: 'saved' } : { type: 'uid', set: parseSequenceSet(p) };
    case 'UIDAFTER':
    case 'UIDBEFORE':
      return { type: 'uidbound', op: name === 'UIDAFTER' ? 'after' : 'before', uid: arg(() => p.nzNumber()) };
    case 'NOT': {
      p.sp();
      p.enter();
      const key = searchKey(p, count);
      p.leave();
      return { type: 'not', key };
    }
    case 'OR': {
      p.sp();
      p.enter();
      const a = searchKey(p, count);
      p.sp();
      const b = searchKey(p, count);
      p.leave();
      return { type: 'or', a, b };
    }
    case 'OLDER':
    case 'YOUNGER':
      return { type: 'age', op: name === 'OLDER' ? 'older' : 'younger', seconds: arg(() => p.nzNumber()) };
    // Every message has a save date (RFC 8514 section 4.2).
    case 'SAVEDATESUPPORTED':
      return { type: 'all' };
    case 'EMAILID':
    case 'THREADID': {
      // An atom by the grammar; a quoted one is taken too, as clients may quote it.
      const id = arg(() => p.astring());
      if (!OBJECTID.test(id)) throw new ParseError(`invalid ${name}`);
      return { type: 'objectid', of: name === 'EMAILID' ? 'email' : 'thread', id };
    }
    case 'MODSEQ': {
      p.sp();
      // The optional entry name and type (per-flag MODSEQs) are accepted and ignored: flags share one MODSEQ.
      if (p.peek() === 0x22) {
        p.string();
        p.sp();
        p.keyword();
        p.sp();
      }
      return { type: 'modseq', modSeq: p.modSeq() };
    }
    default:
      throw new ParseError(`unknown search key ${name}`);
  }
}

/** Whether the query uses MODSEQ, which makes the answer carry the highest MODSEQ (RFC 7162 3.1.5). */
export const usesModSeq = (key: SearchKey): boolean => anyKey(key, (k) => k.type === 'modseq');

/** Whether some key of the query, at any depth, passes `test`. */
export function anyKey(key: SearchKey, test: (key: SearchKey) => boolean): boolean {
  if (test(key)) return true;
  switch (key.type) {
    case 'not':
      return anyKey(key.key, test);
    case 'or':
      return anyKey(key.a, test) || anyKey(key.b, test);
    case 'and':
      return key.keys.some((k) => anyKey(k, test));
    default:
      return false;
  }
}
