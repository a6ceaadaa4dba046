import { decodeHeaderText } from './decode.ts';
import { splitHeader } from './header.ts';

/**
 * What SEARCH compares and what the full-text index keeps of it. SEARCH matches
 * substrings (RFC 3501 6.4.4), so the index holds trigrams: every run of three
 * UTF-16 units of the folded text. A query's trigrams are then all among the
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
  /** The value as written (latin1), for address parsing. */
  raw: string;
}

/** A header block's fields as SEARCH sees them. */
export function searchHeaders(block: Buffer): SearchHeader[] {
  return splitHeader(block).map((f) => ({ name: f.name, value: searchFold(decodeHeaderText(f.value)), raw: f.value }));
}

/** One field as TEXT sees it: a query matches inside the name, the value or across the two. */
export const headerLine = (h: SearchHeader): string => `${h.name}: ${h.value}`;

/**
 * Distinct trigrams (runs of three UTF-16 units). Units rather than code points:
 * any substring's unit trigrams are still among its text's, which is all the
 * index needs. A trigram of units below 1024 (Latin scripts) is kept packed in a
 * small integer, since a 1 MB text would otherwise make a million short strings;
 * others are kept as strings.
 */
export class Trigrams {
  readonly #packed = new Set<number>();
  readonly #other = new Set<string>();

  get size(): number {
    return this.#packed.size + this.#other.size;
  }

  /** Adds the trigrams of `s` (already folded), stopping once there are more than `max`. */
  add(s: string, max = Infinity): this {
    const packed = this.#packed;
    const other = this.#other;
    for (let i = 2; i < s.length; i++) {
      const a = s.charCodeAt(i - 2);
      const b = s.charCodeAt(i - 1);
      const c = s.charCodeAt(i);
      if ((a | b | c) < 1024) packed.add((a << 20) | (b << 10) | c);
      else other.add(s.slice(i - 2, i + 1));
      // Checked now and then: each step adds at most one.
      if ((i & 255) === 0 && packed.size + other.size > max) break;
    }
    return this;
  }

  list(): string[] {
    return [...[...this.#packed].map((n) => String.fromCharCode(n >> 20, (n >> 10) & 1023, n & 1023)), ...this.#other];
  }
}

/**
 * Distinct trigrams one message may have in the index: an ordinary letter has a
 * few thousand. A text with more (a megabyte of logs) is not split: the index
 * lists it as a candidate for every query instead, which bounds both its postings
 * and the work at delivery.
 */
export const MAX_TRIGRAMS = 20_000;

/**
 * The distinct trigrams of what SEARCH compares in a message: its header lines
 * (with the per-copy prefix) and its body text. Null past MAX_TRIGRAMS.
 */
export function messageTrigrams(headerBlocks: Buffer[], bodyText: string): string[] | null {
  const trigrams = new Trigrams();
  for (const block of headerBlocks) for (const h of searchHeaders(block)) trigrams.add(headerLine(h), MAX_TRIGRAMS);
  trigrams.add(searchFold(bodyText), MAX_TRIGRAMS);
  return trigrams.size > MAX_TRIGRAMS ? null : trigrams.list();
}

/** The distinct trigrams of a query, which every text containing it contains too; none for a query under three units. */
export const queryTrigrams = (query: string): string[] => new Trigrams().add(searchFold(query)).list();
