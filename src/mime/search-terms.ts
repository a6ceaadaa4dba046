import { decodeHeaderText } from './decode.ts';
import { splitHeader } from './header.ts';

/**
 * What SEARCH compares and what the full-text index keeps of it. SEARCH matches
 * substrings (RFC 3501 6.4.4), so the index holds trigrams: every run of three
 * code points of the folded text. A query's trigrams are then all among the
 * trigrams of each text that contains it, which is why the index and the check
 * must fold and split exactly alike: both use the functions below. Pure.
 */

/** Case-insensitive and compatibility-insensitive ("ﬁ" is "fi", "Ａ" is "a"): NFKC, then lower case. */
export const searchFold = (s: string): string => s.normalize('NFKC').toLowerCase();

export interface SearchHeader {
  /** The field name, lower-cased as splitHeader gives it. */
  name: string;
  /** The value decoded (RFC 2047), unfolded and folded by searchFold. */
  value: string;
}

/** A header block's fields as SEARCH sees them. */
export function searchHeaders(block: Buffer): SearchHeader[] {
  return splitHeader(block).map((f) => ({ name: f.name, value: searchFold(decodeHeaderText(f.value)) }));
}

/** One field as TEXT sees it: a query matches inside the name, the value or across the two. */
export const headerLine = (h: SearchHeader): string => `${h.name}: ${h.value}`;

/** Adds the trigrams of `s` (already folded) to `into`; a string shorter than three code points has none. */
export function addTrigrams(s: string, into: Set<string>): Set<string> {
  let a = '';
  let b = '';
  for (const c of s) {
    if (a) into.add(a + b + c);
    a = b;
    b = c;
  }
  return into;
}

/** The distinct trigrams of what SEARCH compares in a message: its header lines (with the per-copy prefix) and its body text. */
export function messageTrigrams(headerBlocks: Buffer[], bodyText: string): Set<string> {
  const out = new Set<string>();
  for (const block of headerBlocks) for (const h of searchHeaders(block)) addTrigrams(headerLine(h), out);
  return addTrigrams(searchFold(bodyText), out);
}

/** The distinct trigrams of a query, which every text containing it contains too; none for a query under three code points. */
export const queryTrigrams = (query: string): string[] => [...addTrigrams(searchFold(query), new Set())];
