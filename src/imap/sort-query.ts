import { ParseError, type Parser } from './parser.ts';
import { parseSearch } from './search-query.ts';
import type { SearchKey } from './search-query.ts';
import { parseSearchReturn, type SearchReturn } from './search-return.ts';

/** RFC 5256 sort keys, with DISPLAYFROM and DISPLAYTO from RFC 5957. */
export const SORT_KEYS = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'] as const;
export type SortKey = (typeof SORT_KEYS)[number];

export interface SortCriterion {
  key: SortKey;
  reverse: boolean;
}

export const THREAD_ALGORITHMS = ['ORDEREDSUBJECT', 'REFERENCES'] as const;
export type ThreadAlgorithm = (typeof THREAD_ALGORITHMS)[number];

export interface SortQuery {
  /** ESORT result options (RFC 5267 section 3), null for a plain SORT. */
  returns: SearchReturn | null;
  criteria: SortCriterion[];
  charset: string;
  key: SearchKey;
}

export interface ThreadQuery {
  algorithm: ThreadAlgorithm;
  charset: string;
  key: SearchKey;
}

/** The mandatory charset, then search keys as SEARCH takes them (without CHARSET). */
function charsetAndKeys(p: Parser): { charset: string; key: SearchKey } {
  p.sp();
  const charset = p.astring().toUpperCase();
  const { charset: extra, returns, key } = parseSearch(p);
  if (extra !== null) throw new ParseError('the charset comes before the search keys, without CHARSET');
  if (returns !== null) throw new ParseError('RETURN comes before the sort criteria');
  return { charset, key };
}

/** `SORT [SP "RETURN" SP "(" [search-return-opts] ")"] SP sort-criteria SP search-charset 1*(SP search-key)` (RFC 5256 section 4, RFC 5267 section 3). */
export function parseSort(p: Parser): SortQuery {
  p.sp();
  let returns: SearchReturn | null = null;
  if (p.take('RETURN ')) {
    returns = parseSearchReturn(p);
    p.sp();
  }
  const criteria = p.list(() => {
    const reverse = p.take('REVERSE ');
    const name = p.keyword();
    if (!(SORT_KEYS as readonly string[]).includes(name)) throw new ParseError(`unknown sort key ${name}`);
    return { key: name as SortKey, reverse };
  }, false);
  return { returns, criteria, ...charsetAndKeys(p) };
}

/** `THREAD SP thread-alg SP search-charset 1*(SP search-key)` (RFC 5256 section 4). */
export function parseThread(p: Parser): ThreadQuery {
  p.sp();
  const name = p.keyword();
  if (!(THREAD_ALGORITHMS as readonly string[]).includes(name)) throw new ParseError(`unknown threading algorithm ${name}`);
  return { algorithm: name as ThreadAlgorithm, ...charsetAndKeys(p) };
}
