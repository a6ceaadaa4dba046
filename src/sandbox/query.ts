/** A query is short: anything longer is refused rather than scanned against every message. */
export const MAX_QUERY_LENGTH = 500;
const MAX_TERMS = 16;

export type QueryField = 'from' | 'to' | 'subject' | 'text' | 'any';

export interface QueryTerm {
  field: QueryField;
  /** Lower-cased; matched as a substring. */
  value: string;
}

/** What a query is matched against: a message's addresses, subject, and (only when a term needs it) its text. */
export interface Searchable {
  from: string;
  to: string[];
  subject: string;
  text(): Promise<string>;
}

export class QueryError extends Error {}

const FIELDS = new Set<QueryField>(['from', 'to', 'subject', 'text']);

/**
 * `from:alice to:"bob smith" subject:welcome reset` — every term must match (AND), a bare
 * word matches any of the fields, quotes keep spaces. Refused past the length and term limits.
 */
export function parseQuery(input: string): QueryTerm[] {
  if (input.length > MAX_QUERY_LENGTH) throw new QueryError(`the query is longer than ${MAX_QUERY_LENGTH} characters`);
  const terms: QueryTerm[] = [];
  for (const match of input.matchAll(/(?:([a-z]+):)?(?:"([^"]*)"|(\S+))/gi)) {
    const name = match[1]?.toLowerCase();
    const value = (match[2] ?? match[3] ?? '').toLowerCase();
    const field = name && FIELDS.has(name as QueryField) ? (name as QueryField) : 'any';
    const whole = field === 'any' && name ? `${name}:${value}` : value;
    if (whole) terms.push({ field, value: whole });
    if (terms.length > MAX_TERMS) throw new QueryError(`a query has at most ${MAX_TERMS} terms`);
  }
  return terms;
}

export async function matches(terms: QueryTerm[], message: Searchable): Promise<boolean> {
  let text: string | null = null;
  const body = async () => (text ??= (await message.text()).toLowerCase());
  for (const { field, value } of terms) {
    const from = message.from.toLowerCase();
    const to = message.to.join(', ').toLowerCase();
    const subject = message.subject.toLowerCase();
    const found =
      field === 'from' ? from.includes(value)
      : field === 'to' ? to.includes(value)
      : field === 'subject' ? subject.includes(value)
      : field === 'text' ? (await body()).includes(value)
      : from.includes(value) || to.includes(value) || subject.includes(value) || (await body()).includes(value);
    if (!found) return false;
  }
  return true;
}
