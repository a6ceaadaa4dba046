/**
 * RFC 5256 SORT and the orderings THREAD uses, over the header data stored at
 * delivery (mime/fields.ts). Pure.
 */
import type { SearchFields } from '../mime/types.ts';
import type { SortCriterion, SortKey } from './sort-query.ts';

/** One message as SORT and THREAD see it; `id` is what the answer names (number or UID). */
export interface SortEntry {
  seq: number;
  id: number;
  size: number;
  internalDate: number;
  fields: SearchFields;
}

/**
 * i;unicode-casemap (RFC 5051), closely: case folded through upper case, then
 * decomposed, compared by code unit.
 */
export const casemap = (s: string): string => s.toUpperCase().normalize('NFKD');

const compareText = (a: string, b: string): number => {
  const x = casemap(a);
  const y = casemap(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/** The sent date (RFC 5256 2.2): the Date header, else the internal date. */
export const sentDate = (e: SortEntry): number => e.fields.date ?? e.internalDate;

/** The text a key compares, from the stored header data. */
const TEXT_KEYS: Record<Exclude<SortKey, 'ARRIVAL' | 'DATE' | 'SIZE'>, (f: SearchFields) => string> = {
  SUBJECT: (f) => f.baseSubject,
  FROM: (f) => f.sortFrom,
  TO: (f) => f.sortTo,
  CC: (f) => f.sortCc,
  DISPLAYFROM: (f) => f.displayFrom,
  DISPLAYTO: (f) => f.displayTo,
};

function compareBy(key: SortKey, a: SortEntry, b: SortEntry): number {
  if (key === 'ARRIVAL') return a.internalDate - b.internalDate;
  if (key === 'DATE') return sentDate(a) - sentDate(b);
  if (key === 'SIZE') return a.size - b.size;
  const text = TEXT_KEYS[key];
  return compareText(text(a.fields), text(b.fields));
}

/** Sorted by the criteria in turn; what they leave equal stays in message number order. */
export function sortEntries(entries: SortEntry[], criteria: SortCriterion[]): SortEntry[] {
  return [...entries].sort((a, b) => {
    for (const { key, reverse } of criteria) {
      const c = compareBy(key, a, b);
      if (c !== 0) return reverse ? -c : c;
    }
    return a.seq - b.seq;
  });
}

/** By sent date, then message number: the order of threads and of siblings (RFC 5256 section 2.2). */
export const byDate = (a: SortEntry, b: SortEntry): number => sentDate(a) - sentDate(b) || a.seq - b.seq;
