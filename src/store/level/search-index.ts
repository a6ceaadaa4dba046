import { queryTrigrams } from '../../mime/search-terms.ts';
import type { BatchOp } from './commit-queue.ts';
import { keys, parseRefKey } from './keys.ts';
import type { Db } from './core.ts';
import { bodyTrigrams, type Candidates, type SearchIndex } from '../search-index.ts';
import type { BlobId, MailboxId, NewBlob, Uid } from '../types.ts';

/**
 * The full-text index in LevelDB (docs/architecture.md, "Full-text index").
 *
 * - `ftp/<blob id>`: a pending body, written in the batch that stores it: its
 *   trigrams, concatenated (not compressed: a record lives until the next merge).
 *   A lookup checks every pending body itself.
 * - `fts/<trigram>/<segment>`: the docs of one merge that hold the trigram, 4
 *   bytes each. A merge turns MERGE_BODIES pending bodies into one key per
 *   distinct trigram among them: a few dozen keys per body instead of thousands,
 *   which is what keeps delivery fast. A doc is the first 4 bytes of the blob id;
 *   two bodies sharing one only add candidates, which SEARCH's check drops.
 * - `ftd/<blob id>`: a merged body (its segment), so that the store check knows it.
 * - `fta/<doc>`: a body with more than MAX_TRIGRAMS trigrams, a candidate for
 *   every query instead of having postings.
 * - `meta/fts`: `{"segments": n, "built": true}`; `built` when every body is
 *   indexed. Without it (a store written before the index existed) SEARCH scans
 *   until `mailfold store check --repair` builds the index.
 *
 * Bodies, not messages, are indexed: COPY and MOVE share the body, so they leave
 * the index alone, and a doc maps to its mailbox UIDs through the body's
 * references (`ref/<blob>/<mailbox>/<uid>`), which also drops docs whose body is gone.
 */
const PENDING = 'ftp/';
const MERGED = 'ftd/';
const SEGMENTS = 'fts/';
const ALWAYS = 'fta/';
export const INDEX_STATE = 'meta/fts';
/** Upper bounds of the key ranges: '0' sorts right after '/' (trigram characters may lie above U+00FF). */
export const PENDING_RANGE = { gte: PENDING, lt: 'ftp0' };
export const MERGED_RANGE = { gte: MERGED, lt: 'ftd0' };
export const SEGMENTS_RANGE = { gte: SEGMENTS, lt: 'fts0' };
export const ALWAYS_RANGE = { gte: ALWAYS, lt: 'fta0' };
/** Pending bodies per merge: enough to share keys, few enough that a lookup reads them all cheaply. */
export const MERGE_BODIES = 64;
const DOC_CHARS = 8;

interface State {
  segments: number;
  built: boolean;
}

const docOf = (blobId: BlobId): string => blobId.slice(0, DOC_CHARS);
const segmentPrefix = (trigram: string): string => `${SEGMENTS}${trigram}/`;
const hex = (n: number): string => n.toString(16).padStart(8, '0');
const empty = Buffer.alloc(0);

/**
 * Splits a pending record back into trigrams (three UTF-16 units each: a lone
 * surrogate was written as U+FFFD, one unit, as the keys were).
 */
function trigramsOf(record: Buffer): string[] {
  const text = record.toString('utf8');
  const out: string[] = [];
  for (let i = 0; i + 3 <= text.length; i += 3) out.push(text.slice(i, i + 3));
  return out;
}

/** Docs of a segment value, 4 bytes each, as hex. */
function docsOf(value: Buffer): string[] {
  const out: string[] = [];
  for (let i = 0; i + 4 <= value.length; i += 4) out.push(value.toString('hex', i, i + 4));
  return out;
}

export interface IndexHooks {
  commit(ops: BatchOp[]): Promise<void>;
  /** Runs `fn` under the store's body lock, which frees take too. */
  underBodyLock<T>(fn: () => Promise<T>): Promise<T>;
}

export class LevelSearchIndex implements SearchIndex {
  readonly #db: Db;
  readonly #hooks: IndexHooks;
  #state: Promise<State> | null = null;
  /** Pending bodies written since the last merge looked (an estimate: it triggers merges). */
  #pending = MERGE_BODIES;

  constructor(db: Db, hooks: IndexHooks) {
    this.#db = db;
    this.#hooks = hooks;
  }

  /**
   * The pending record of a new body, for the batch that stores it. `prefixes`
   * are the per-copy header prefixes of its messages: SEARCH reads them as part
   * of the header, so their trigrams belong to the body's.
   */
  indexOps(blobId: BlobId, blob: Pick<NewBlob, 'raw' | 'index'>, prefixes: readonly string[]): BatchOp[] {
    const trigrams = bodyTrigrams(blob, prefixes);
    if (!trigrams) return [{ type: 'put', key: ALWAYS + docOf(blobId), value: empty }, { type: 'put', key: MERGED + blobId, value: Buffer.from('always') }];
    if (++this.#pending >= MERGE_BODIES) setImmediate(() => void this.merge().catch(() => {}));
    return [{ type: 'put', key: PENDING + blobId, value: Buffer.from(trigrams.join('')) }];
  }

  /**
   * The deletions for a body being freed: its pending or merged record and its
   * `fta/` key. Postings already merged stay in their segment (rewriting it per
   * expunge would cost what merging saves); they map to no message once the
   * body's references are gone, and a rebuild drops them.
   */
  async removeOps(blobId: BlobId): Promise<BatchOp[]> {
    const ops: BatchOp[] = [{ type: 'del', key: PENDING + blobId }, { type: 'del', key: MERGED + blobId }];
    const doc = docOf(blobId);
    const sharing = await this.#db.keys({ gte: keys.blobPrefix + doc, lt: `${keys.blobPrefix}${doc}\xff`, limit: 2 }).all();
    if (!sharing.some((key) => key !== keys.blob(blobId))) ops.push({ type: 'del', key: ALWAYS + doc });
    return ops;
  }

  #readState(): Promise<State> {
    this.#state ??= this.#db.get(INDEX_STATE).then((v) => (v === undefined ? { segments: 0, built: false } : (JSON.parse(v.toString()) as State)));
    return this.#state;
  }

  #stateOp(state: State): BatchOp {
    return { type: 'put', key: INDEX_STATE, value: Buffer.from(JSON.stringify(state)) };
  }

  /** Whether every body is indexed; set by the store check's rebuild. */
  async built(): Promise<boolean> {
    return (await this.#readState()).built;
  }

  /** For a new store (nothing to index) and the end of a rebuild; the caller commits the op. */
  async markBuilt(): Promise<BatchOp> {
    const state = { ...(await this.#readState()), built: true };
    this.#state = Promise.resolve(state);
    return this.#stateOp(state);
  }

  /** Merges pending bodies into a segment once there are MERGE_BODIES of them. */
  merge(): Promise<void> {
    return this.#hooks.underBodyLock(() => this.mergeLocked(false));
  }

  /** A merge for a caller that holds the body lock; `all` merges whatever is pending, in as many segments as it takes. */
  async mergeLocked(all: boolean): Promise<void> {
    for (;;) {
      const entries = await this.#db.iterator({ ...PENDING_RANGE, limit: MERGE_BODIES }).all();
      this.#pending = entries.length;
      if (entries.length === 0 || (!all && entries.length < MERGE_BODIES)) return;
      const state = await this.#readState();
      const segment = hex(state.segments + 1);
      const byTrigram = new Map<string, Buffer[]>();
      const ops: BatchOp[] = [];
      for (const [key, value] of entries) {
        const blobId = key.slice(PENDING.length);
        const doc = Buffer.from(docOf(blobId), 'hex');
        for (const t of trigramsOf(value)) {
          const docs = byTrigram.get(t);
          if (docs) docs.push(doc);
          else byTrigram.set(t, [doc]);
        }
        ops.push({ type: 'del', key }, { type: 'put', key: MERGED + blobId, value: Buffer.from(segment) });
      }
      for (const [t, docs] of byTrigram) ops.push({ type: 'put', key: segmentPrefix(t) + segment, value: Buffer.concat(docs) });
      const next = { ...state, segments: state.segments + 1 };
      ops.push(this.#stateOp(next));
      await this.#hooks.commit(ops);
      this.#state = Promise.resolve(next);
    }
  }

  async candidates(mailboxId: MailboxId, text: string, limit: number): Promise<Candidates> {
    const trigrams = queryTrigrams(text);
    if (trigrams.length === 0 || !(await this.built())) return { uids: null, cost: 0 };
    const merged = await this.#intersect(trigrams, limit);
    let cost = merged.cost;
    if (!merged.docs) return { uids: null, cost };
    const docs = new Set(merged.docs);
    for (const [key, value] of await this.#db.iterator(PENDING_RANGE).all()) {
      const has = new Set(trigramsOf(value));
      // About what scanning a text of this size costs (search-eval.ts: one unit per KiB).
      cost += 1 + value.length / 1024;
      if (trigrams.every((t) => has.has(t))) docs.add(docOf(key.slice(PENDING.length)));
    }
    for (const key of await this.#db.keys({ ...ALWAYS_RANGE, limit: limit + 1 }).all()) docs.add(key.slice(ALWAYS.length));
    cost = Math.ceil(cost + docs.size);
    if (docs.size > limit) return { uids: null, cost };
    const uids = new Set<Uid>();
    for (const doc of docs) {
      for (const key of await this.#db.keys({ gte: keys.refAll + doc, lt: `${keys.refAll}${doc}\xff` }).all()) {
        const ref = parseRefKey(key);
        if (ref.mailboxId === mailboxId) uids.add(ref.uid);
      }
    }
    return { uids, cost };
  }

  /**
   * The merged docs under every trigram. Each trigram's segments are read up to
   * `limit` docs; the shortest list read whole drives and the other whole lists
   * filter it. A list cut short filters nothing (fewer filters only add
   * candidates). Null when every list is longer than `limit`.
   */
  async #intersect(trigrams: string[], limit: number): Promise<{ docs: string[] | null; cost: number }> {
    let cost = 0;
    const read = async (trigram: string): Promise<Set<string> | null> => {
      const docs = new Set<string>();
      const it = this.#db.iterator({ gte: segmentPrefix(trigram), lt: `${SEGMENTS}${trigram}0` });
      try {
        for await (const [, value] of it) {
          for (const doc of docsOf(value)) docs.add(doc);
          cost += value.length / 4;
          if (docs.size > limit) return null;
        }
      } finally {
        await it.close();
      }
      return docs;
    };
    const lists = (await Promise.all(trigrams.map(read))).filter((l): l is Set<string> => l !== null).sort((a, b) => a.size - b.size);
    if (lists.length === 0) return { docs: null, cost };
    const docs = [...lists[0]!].filter((d) => lists.every((l) => l.has(d)));
    return { docs, cost };
  }
}
