import { decodeHeaderText } from '../mime/decode.ts';
import { StoreError, type MailStore, type MessageMeta } from '../store/types.ts';
import { splitHeader } from './header-fields.ts';
import { sectionRange } from './message-parts.ts';
import type { SearchSubject } from './search-eval.ts';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The calendar day of a Date header as written (its own time zone), as ms at 00:00 UTC. */
export function sentDay(value: string): number | null {
  const m = /(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{2,4})/.exec(value);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return null;
  let year = Number(m[3]);
  if (m[3]!.length === 2) year += year < 50 ? 2000 : 1900;
  return Date.UTC(year, month, Number(m[1]));
}

/** A message for SEARCH, reading its header block and search text only when a key needs them. */
export function searchSubject(store: MailStore, seq: number, meta: MessageMeta): SearchSubject {
  let headers: Promise<{ name: string; value: string }[]> | null = null;
  let blob: ReturnType<MailStore['getBlob']> | null = null;
  const loadBlob = () => (blob ??= store.getBlob(meta.blobId));
  const loadHeaders = async () => {
    const stored = await loadBlob();
    // Freed by an expunge since the record was read: the search leaves the message out (search-run.ts).
    if (!stored) throw new StoreError('not-found', `body ${meta.blobId} is gone`);
    const range = sectionRange(stored.index, Buffer.byteLength(meta.prefix), meta.size, [], 'HEADER');
    if (!range) return [];
    const parts: Buffer[] = [];
    for await (const chunk of store.readMessage(meta, range.start, range.end)) parts.push(chunk);
    return splitHeader(Buffer.concat(parts)).map((f) => ({ name: f.name, value: decodeHeaderText(f.value) }));
  };
  const subject: SearchSubject = {
    seq,
    meta,
    headers: () => (headers ??= loadHeaders()),
    bodyText: () => store.getSearchText(meta.blobId),
    fields: async () => (await loadBlob())?.index.fields ?? null,
    async sentDay() {
      const date = (await subject.headers()).find((h) => h.name === 'date');
      return date ? sentDay(date.value) : null;
    },
  };
  return subject;
}
