import type { SearchFields } from '../mime/types.ts';
import type { MessageMeta } from '../store/types.ts';
import { emailId, threadId } from './object-id.ts';
import type { SearchKey } from './search-query.ts';

/** What a search may need of a message beyond its record, read only when a key asks. */
export interface SearchSubject {
  seq: number;
  meta: MessageMeta;
  /** Header fields, values decoded (RFC 2047) and unfolded. */
  headers(): Promise<{ name: string; value: string }[]>;
  /** The decoded text of the body parts. */
  bodyText(): Promise<string>;
  /** The Date header's day (ms at 00:00 UTC of its calendar day), or null. */
  sentDay(): Promise<number | null>;
  /** The header data stored at delivery, or null when the body is missing. */
  fields(): Promise<SearchFields | null>;
}

/** Largest message number and UID, for `*` in sets; the time of the search, for OLDER and YOUNGER. */
export interface SearchScope {
  maxSeq: number;
  maxUid: number;
  /** The UIDs of `$` (RFC 5182); none when absent. */
  saved?: ReadonlySet<number>;
  now: number;
}

const DAY = 86_400_000;
const fold = (s: string) => s.toLowerCase();

/** Whether a message matches; keys are tried in order, expensive data is loaded only when reached. */
export async function matches(key: SearchKey, m: SearchSubject, scope: SearchScope): Promise<boolean> {
  switch (key.type) {
    case 'all':
      return true;
    case 'flag': {
      const flag = fold(key.flag);
      return m.meta.flags.some((f) => fold(f) === flag) === key.set;
    }
    case 'seq':
      return key.set.matcher(scope.maxSeq)(m.seq);
    case 'uid':
      return key.set.matcher(scope.maxUid)(m.meta.uid);
    case 'saved':
      return scope.saved?.has(m.meta.uid) ?? false;
    case 'size':
      return key.op === 'larger' ? m.meta.size > key.octets : m.meta.size < key.octets;
    case 'modseq':
      return m.meta.modSeq >= key.modSeq;
    case 'date': {
      const own = Math.floor((key.of === 'saved' ? m.meta.savedDate : m.meta.internalDate) / DAY) * DAY;
      const day = key.of === 'sent' ? ((await m.sentDay()) ?? own) : own;
      return key.op === 'before' ? day < key.day : key.op === 'on' ? day === key.day : day >= key.day;
    }
    case 'age': {
      const age = scope.now - m.meta.internalDate;
      return key.op === 'older' ? age >= key.seconds * 1000 : age < key.seconds * 1000;
    }
    case 'objectid': {
      if (key.of === 'email') return emailId(m.meta) === key.id;
      const fields = await m.fields();
      return fields !== null && threadId(fields, m.meta) === key.id;
    }
    case 'header': {
      const value = fold(key.value);
      return (await m.headers()).some((h) => fold(h.name) === key.field && fold(h.value).includes(value));
    }
    case 'body':
      return fold(await m.bodyText()).includes(fold(key.value));
    case 'text': {
      const value = fold(key.value);
      if ((await m.headers()).some((h) => fold(`${h.name}: ${h.value}`).includes(value))) return true;
      return fold(await m.bodyText()).includes(value);
    }
    case 'not':
      return !(await matches(key.key, m, scope));
    case 'or':
      return (await matches(key.a, m, scope)) || matches(key.b, m, scope);
    case 'and':
      for (const k of key.keys) if (!(await matches(k, m, scope))) return false;
      return true;
  }
}
