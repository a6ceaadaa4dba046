import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { messageTrigrams, queryTrigrams } from '../mime/search-terms.ts';
import type { BatchOp } from './commit-queue.ts';
import { parseRefKey } from './keys.ts';
import type { Db } from './level-store.ts';
import type { Candidates, SearchIndex } from './search-index.ts';
import type { BlobId, MailboxId, NewBlob, Uid } from './types.ts';

/**
 * The full-text index in LevelDB (docs/architecture.md, "Full-text index").
 *
 * - `ftx/<trigram>/<doc>` (empty value): a posting. `<doc>` is the first DOC_CHARS
 *   characters of the body's id, so postings of one trigram sit side by side and
 *   cost a few bytes each once LevelDB shares their key prefixes. Two bodies may
 *   share a doc: that only adds candidates, which SEARCH's check drops.
 * - `fta/<doc>` (empty value): a body with more than MAX_TRIGRAMS trigrams, a
 *   candidate for every query instead of having postings.
 * - `ftd/<blob id>`: the body's trigrams, deflated
 *   (none for an `fta/` body); read when the body is freed, to delete its postings.
 * - `meta/fts`: present when every body is indexed. Without it (a store written
 *   before the index existed) SEARCH scans until `mailfold store check --repair`
 *   builds the index.
 *
 * Bodies, not messages, are indexed: COPY and MOVE share the body, so they leave
 * the index alone, and a doc maps to its mailbox UIDs through the body's
 * references (`ref/<blob>/<mailbox>/<uid>`).
 */
export const DOC_CHARS = 8;
const POSTINGS = 'ftx/';
const FORWARD = 'ftd/';
const ALWAYS = 'fta/';
export const INDEX_BUILT = 'meta/fts';
/** Upper bounds of the two key ranges: '0' sorts right after '/' (trigram characters may lie above U+00FF). */
export const POSTINGS_RANGE = { gte: POSTINGS, lt: 'ftx0' };
export const FORWARD_RANGE = { gte: FORWARD, lt: 'ftd0' };
export const ALWAYS_RANGE = { gte: ALWAYS, lt: 'fta0' };

const docOf = (blobId: BlobId): string => blobId.slice(0, DOC_CHARS);
const postingPrefix = (trigram: string): string => `${POSTINGS}${trigram}/`;
export const forwardKey = (blobId: BlobId): string => `${FORWARD}${blobId}`;
const empty = Buffer.alloc(0);
/** Postings read of each trigram of a query before deciding which are short. */
const PROBE = 64;

/**
 * Splits a forward record back into trigrams (three UTF-16 units each: a lone
 * surrogate was written as U+FFFD, one unit, as the keys were); a damaged record gives none (its postings stay: extra candidates only). */
function trigramsOf(record: Buffer): string[] {
  let text: string;
  try {
    text = inflateRawSync(record).toString('utf8');
  } catch {
    return [];
  }
  const out: string[] = [];
  for (let i = 0; i + 3 <= text.length; i += 3) out.push(text.slice(i, i + 3));
  return out;
}

export class LevelSearchIndex implements SearchIndex {
  readonly #db: Db;
  #built: Promise<boolean> | null = null;

  constructor(db: Db) {
    this.#db = db;
  }

  /**
   * The postings and forward record of a new body, for the batch that stores it.
   * `prefixes` are the per-copy header prefixes of its messages: SEARCH reads them
   * as part of the header, so their trigrams belong to the body's.
   */
  indexOps(blobId: BlobId, blob: NewBlob, prefixes: readonly string[]): BatchOp[] {
    const header = blob.raw.subarray(0, blob.index.root.header.end);
    const blocks = [...new Set(prefixes)].map((prefix) => Buffer.concat([Buffer.from(prefix), header]));
    const trigrams = messageTrigrams(blocks, blob.index.text);
    const doc = docOf(blobId);
    const ops: BatchOp[] = (trigrams ?? []).map((t) => ({ type: 'put', key: postingPrefix(t) + doc, value: empty }));
    if (!trigrams) ops.push({ type: 'put', key: ALWAYS + doc, value: empty });
    ops.push({ type: 'put', key: forwardKey(blobId), value: deflateRawSync(Buffer.from((trigrams ?? []).join(''))) });
    return ops;
  }

  /**
   * The deletions for a body being freed (its blob record still present). Postings
   * shared with another body of the same doc stay: a leftover posting only adds a
   * candidate, a missing one would lose a match.
   */
  async removeOps(blobId: BlobId): Promise<BatchOp[]> {
    const record = await this.#db.get(forwardKey(blobId));
    if (record === undefined) return [];
    const ops: BatchOp[] = [{ type: 'del', key: forwardKey(blobId) }];
    const doc = docOf(blobId);
    const sharing = await this.#db.keys({ gte: `blb/${doc}`, lt: `blb/${doc}\xff`, limit: 2 }).all();
    if (sharing.some((key) => key !== `blb/${blobId}`)) return ops;
    for (const t of trigramsOf(record)) ops.push({ type: 'del', key: postingPrefix(t) + doc });
    ops.push({ type: 'del', key: ALWAYS + doc });
    return ops;
  }

  /** Whether every body is indexed; cached, and set by the store check's rebuild. */
  built(): Promise<boolean> {
    this.#built ??= this.#db.get(INDEX_BUILT).then((v) => v !== undefined);
    return this.#built;
  }

  markBuilt(): BatchOp {
    this.#built = Promise.resolve(true);
    return { type: 'put', key: INDEX_BUILT, value: Buffer.from('1') };
  }

  async candidates(mailboxId: MailboxId, text: string, limit: number): Promise<Candidates> {
    const trigrams = queryTrigrams(text);
    if (trigrams.length === 0 || !(await this.built())) return { uids: null, cost: 0 };
    const found = await this.#intersect(trigrams, limit);
    if (!found.docs) return { uids: null, cost: found.cost };
    const always = (await this.#db.keys({ ...ALWAYS_RANGE, limit: limit + 1 }).all()).map((k) => k.slice(ALWAYS.length));
    const docs = new Set([...found.docs, ...always]);
    const cost = found.cost + always.length + docs.size;
    if (docs.size > limit) return { uids: null, cost };
    const uids = new Set<Uid>();
    for (const doc of docs) {
      for (const key of await this.#db.keys({ gte: `ref/${doc}`, lt: `ref/${doc}\xff` }).all()) {
        const ref = parseRefKey(key);
        if (ref.mailboxId === mailboxId) uids.add(ref.uid);
      }
    }
    return { uids, cost };
  }

  /**
   * The docs found under every trigram. Each trigram's postings are read up to
   * PROBE docs, then (when none ended by then) up to `limit`; the shortest list
   * read whole drives, the other whole lists filter it in memory, and each
   * trigram with more postings than that is asked for exactly the docs left (one
   * getMany), so a rare trigram sets the cost. Null when every trigram has more
   * than `limit` docs.
   */
  async #intersect(trigrams: string[], limit: number): Promise<{ docs: string[] | null; cost: number }> {
    let cost = 0;
    const read = async (trigram: string, max: number) => {
      const prefix = postingPrefix(trigram);
      const keys = await this.#db.keys({ gte: prefix, lt: `${POSTINGS}${trigram}0`, limit: max + 1 }).all();
      cost += keys.length;
      return { prefix, docs: keys.map((k) => k.slice(prefix.length)), whole: keys.length <= max };
    };
    let lists = await Promise.all(trigrams.map((t) => read(t, PROBE)));
    if (!lists.some((l) => l.whole)) lists = await Promise.all(trigrams.map((t) => read(t, limit)));
    const whole = lists.filter((l) => l.whole).sort((a, b) => a.docs.length - b.docs.length);
    if (whole.length === 0) return { docs: null, cost };
    let docs = whole[0]!.docs;
    for (const list of whole.slice(1)) {
      const has = new Set(list.docs);
      docs = docs.filter((d) => has.has(d));
    }
    for (const list of lists.filter((l) => !l.whole)) {
      if (docs.length === 0) break;
      const found = await this.#db.getMany(docs.map((d) => list.prefix + d));
      cost += docs.length;
      docs = docs.filter((_, i) => found[i] !== undefined);
    }
    return { docs: docs.length > limit ? null : docs, cost };
  }
}
