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

function compareBy(key: SortKey, a: SortEntry, b: SortEntry): number {
  switch (key) {
    case 'ARRIVAL':
      return a.internalDate - b.internalDate;
    case 'DATE':
      return sentDate(a) - sentDate(b);
    case 'SIZE':
      return a.size - b.size;
    case 'SUBJECT':
      return compareText(a.fields.baseSubject, b.fields.baseSubject);
    case 'FROM':
      return compareText(a.fields.sortFrom, b.fields.sortFrom);
    case 'TO':
      return compareText(a.fields.sortTo, b.fields.sortTo);
    case 'CC':
      return compareText(a.fields.sortCc, b.fields.sortCc);
    case 'DISPLAYFROM':
      return compareText(a.fields.displayFrom, b.fields.displayFrom);
    case 'DISPLAYTO':
      return compareText(a.fields.displayTo, b.fields.displayTo);
  }
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
