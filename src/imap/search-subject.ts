import { searchFold, searchHeaders, type SearchHeader } from '../mime/search-terms.ts';
import type { SearchFields } from '../mime/types.ts';
import { StoreError, type BlobMeta, type BodyRange, type BodyReader, type MailStore, type MessageMeta } from '../store/types.ts';
import { sectionRange } from './message-parts.ts';
import { NotLoaded, type Loadable, type SearchSubject } from './search-eval.ts';

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

/**
 * What SEARCH reads of a batch of messages, each kind loaded for the whole batch
 * with one store read the first time any message asks for it: blob records (the
 * stored index), search texts, and header blocks through one body reader.
 */
export class SearchBatch {
  readonly #store: MailStore;
  readonly #metas: readonly MessageMeta[];
  #blobs: Promise<Map<string, BlobMeta | null>> | null = null;
  #texts: Promise<Map<string, string>> | null = null;
  #headerReader: Promise<BodyReader> | null = null;

  constructor(store: MailStore, metas: readonly MessageMeta[]) {
    this.#store = store;
    this.#metas = metas;
  }

  async blob(meta: MessageMeta): Promise<BlobMeta | null> {
    this.#blobs ??= this.#byBlob((ids) => this.#store.getBlobs(ids));
    return (await this.#blobs).get(meta.blobId) ?? null;
  }

  async text(meta: MessageMeta): Promise<string> {
    this.#texts ??= this.#byBlob((ids) => this.#store.getSearchTexts(ids));
    return (await this.#texts).get(meta.blobId) ?? '';
  }

  /** Header fields as SEARCH compares them (mime/search-terms.ts). */
  async headers(meta: MessageMeta): Promise<SearchHeader[]> {
    // Freed by an expunge since the record was read: the search leaves the message out (search-run.ts).
    if (!(await this.blob(meta))) throw new StoreError('not-found', `body ${meta.blobId} is gone`);
    const range = await this.#headerRange(meta);
    if (!range) return [];
    this.#headerReader ??= this.#planHeaders();
    const parts: Buffer[] = [];
    for await (const chunk of (await this.#headerReader).read(meta, range.start, range.end)) parts.push(chunk);
    return searchHeaders(Buffer.concat(parts));
  }

  /** The top header's bytes, with the blob record so that the reader need not read it again. */
  async #headerRange(meta: MessageMeta): Promise<BodyRange | null> {
    const blob = await this.blob(meta);
    const range = blob && sectionRange(blob, Buffer.byteLength(meta.prefix), meta.size, [], 'HEADER');
    return range && { message: meta, ...range, blob };
  }

  async #planHeaders(): Promise<BodyReader> {
    const ranges: BodyRange[] = [];
    for (const meta of this.#metas) {
      const range = await this.#headerRange(meta);
      if (range) ranges.push(range);
    }
    return this.#store.bodyReader(ranges);
  }

  async #byBlob<T>(load: (ids: string[]) => Promise<T[]>): Promise<Map<string, T>> {
    const ids = [...new Set(this.#metas.map((m) => m.blobId))];
    const values = await load(ids);
    return new Map(ids.map((id, i) => [id, values[i]!]));
  }
}

/**
 * A message for SEARCH: its header block, search text and index are read (for its
 * whole batch) only when a key needs them, and folded once for all its keys.
 */
export function searchSubject(batch: SearchBatch, seq: number, meta: MessageMeta): SearchSubject {
  const loaded: { headers?: SearchHeader[]; body?: string; fields?: SearchFields | null } = {};
  let headerSize = 0;
  const get = <K extends Loadable>(what: K): NonNullable<typeof loaded>[K] => {
    if (!(what in loaded)) throw new NotLoaded(what);
    return loaded[what];
  };
  return {
    seq,
    meta,
    headers: () => get('headers')!,
    headerSize() {
      get('headers');
      return headerSize;
    },
    bodyText: () => get('body')!,
    fields: () => get('fields') ?? null,
    sentDay() {
      const date = get('headers')!.find((h) => h.name === 'date');
      return date ? sentDay(date.value) : null;
    },
    async load(what) {
      if (what === 'headers') {
        loaded.headers = await batch.headers(meta);
        headerSize = loaded.headers.reduce((n, h) => n + h.name.length + h.value.length, 0);
      }
      else if (what === 'body') loaded.body = searchFold(await batch.text(meta));
      else loaded.fields = (await batch.blob(meta))?.index.fields ?? null;
    },
  };
}
