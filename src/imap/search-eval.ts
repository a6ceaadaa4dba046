import { mailboxes } from '../mime/fields.ts';
import { headerLine, searchFold, type SearchHeader } from '../mime/search-terms.ts';
import type { SearchFields } from '../mime/types.ts';
import type { MessageMeta } from '../store/types.ts';
import { emailId, threadId } from './object-id.ts';
import type { SearchKey } from './search-query.ts';

export type Loadable = 'headers' | 'body' | 'fields';

/**
 * Thrown when a key needs data of the message that is not loaded yet: the search
 * loads it and evaluates again. Evaluation itself stays synchronous, so thousands
 * of keys per message cost no promise each.
 */
export class NotLoaded {
  readonly what: Loadable;
  constructor(what: Loadable) {
    this.what = what;
  }
}

/** What a search may need of a message beyond its record; each getter throws NotLoaded until `load` read it. */
export interface SearchSubject {
  seq: number;
  meta: MessageMeta;
  /** Header fields, values decoded (RFC 2047), unfolded and folded (mime/search-terms.ts). */
  headers(): SearchHeader[];
  /** The characters of all header fields, names and values. */
  headerSize(): number;
  /** The decoded text of the body parts, folded. */
  bodyText(): string;
  /** The Date header's day (ms at 00:00 UTC of its calendar day), or null. */
  sentDay(): number | null;
  /** The header data stored at delivery, or null when the body is missing. */
  fields(): SearchFields | null;
  load(what: Loadable): Promise<void>;
}

/** Largest message number and UID, for `*` in sets; the time of the search, for OLDER and YOUNGER. */
export interface SearchScope {
  maxSeq: number;
  maxUid: number;
  /** The UIDs of `$` (RFC 5182); none when absent. */
  saved?: ReadonlySet<number>;
  /** The messages \Recent in this session: not a stored flag, so not in the record. */
  recent?: ReadonlySet<number>;
  now: number;
  /** Search keys evaluated so far, for the cost limit (search-run.ts). */
  cost: { spent: number };
}

const DAY = 86_400_000;

/** Text scanned per unit of cost: a key's evaluation costs about as much as scanning this many characters. */
const CHARS_PER_UNIT = 1024;

/** Fields whose SEARCH also matches the parsed addresses. */
export const ADDRESS_FIELDS = new Set(['from', 'to', 'cc', 'bcc', 'sender', 'reply-to']);

/**
 * An address field also matches by its parsed mailboxes, written `name <local@domain>`,
 * so that comments and folding inside an address (`<user (c)@ (c) example.org>`) do not
 * hide it from a search for `user@example.org`.
 */
function inAddresses(h: { name: string; raw: string }, value: string, scope: SearchScope): boolean {
  if (!ADDRESS_FIELDS.has(h.name)) return false;
  // Parsing costs like scanning text (a field holds up to 64 Ki characters, fields.ts).
  scope.cost.spent += Math.floor(h.raw.length / CHARS_PER_UNIT);
  return mailboxes(h.raw).some((a) => searchFold(a.name ? `${a.name} <${a.address}>` : a.address).includes(value));
}

/**
 * Whether a message matches; keys are tried in order, and a key that needs data not
 * loaded yet throws NotLoaded. Every key evaluated (term, NOT, OR, list) costs one
 * unit, and a BODY or TEXT key one more per CHARS_PER_UNIT of text it scans.
 */
export function matches(key: SearchKey, m: SearchSubject, scope: SearchScope): boolean {
  scope.cost.spent++;
  switch (key.type) {
    case 'all':
      return true;
    case 'flag': {
      const flag = searchFold(key.flag);
      if (flag === '\\recent') return (scope.recent?.has(m.meta.uid) ?? false) === key.set;
      return m.meta.flags.some((f) => searchFold(f) === flag) === key.set;
    }
    case 'seq':
      return key.set.matcher(scope.maxSeq)(m.seq);
    case 'uid':
      return key.set.matcher(scope.maxUid)(m.meta.uid);
    case 'uidbound':
      return key.op === 'after' ? m.meta.uid > key.uid : m.meta.uid < key.uid;
    case 'saved':
      return scope.saved?.has(m.meta.uid) ?? false;
    case 'size':
      return key.op === 'larger' ? m.meta.size > key.octets : m.meta.size < key.octets;
    case 'modseq':
      return m.meta.modSeq >= key.modSeq;
    case 'date': {
      const own = Math.floor((key.of === 'saved' ? m.meta.savedDate : m.meta.internalDate) / DAY) * DAY;
      const day = key.of === 'sent' ? (m.sentDay() ?? own) : own;
      return key.op === 'before' ? day < key.day : key.op === 'on' ? day === key.day : day >= key.day;
    }
    case 'age': {
      const age = scope.now - m.meta.internalDate;
      return key.op === 'older' ? age >= key.seconds * 1000 : age < key.seconds * 1000;
    }
    case 'objectid': {
      if (key.of === 'email') return emailId(m.meta) === key.id;
      const fields = m.fields();
      return fields !== null && threadId(fields, m.meta) === key.id;
    }
    case 'header': {
      const value = searchFold(key.value);
      return m.headers().some((h) => h.name === key.field && (h.value.includes(value) || inAddresses(h, value, scope)));
    }
    case 'body': {
      const body = m.bodyText();
      scope.cost.spent += Math.floor(body.length / CHARS_PER_UNIT);
      return body.includes(searchFold(key.value));
    }
    case 'text': {
      const value = searchFold(key.value);
      scope.cost.spent += Math.floor((m.headerSize() + m.bodyText().length) / CHARS_PER_UNIT);
      // The index (store/search-index.ts) holds trigrams of exactly these lines and this text.
      if (m.headers().some((h) => headerLine(h).includes(value))) return true;
      return m.bodyText().includes(value);
    }
    case 'not':
      return !matches(key.key, m, scope);
    case 'or':
      return matches(key.a, m, scope) || matches(key.b, m, scope);
    case 'and':
      for (const k of key.keys) if (!matches(k, m, scope)) return false;
      return true;
  }
}
