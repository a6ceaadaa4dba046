import { decode } from './codec.ts';
import type { BatchOp } from './commit-queue.ts';
import { keys } from './keys.ts';
import { ALWAYS_RANGE, MERGED_RANGE, PENDING_RANGE, SEGMENTS_RANGE, type LevelSearchIndex } from './search-index.ts';
import type { Db } from './core.ts';
import type { BlobId, BlobMeta, CheckProblem } from '../types.ts';

/** Bodies indexed per repair batch, and deletions per batch: each batch stays a few MB. */
const BODIES_PER_BATCH = 100;
const DELETES_PER_BATCH = 20_000;

/** A live body with the per-copy prefixes of its messages. */
export interface LiveBody {
  blob: BlobMeta;
  prefixes: Set<string>;
}

interface Context {
  db: Db;
  index: LevelSearchIndex;
  commit: (ops: BatchOp[]) => Promise<void>;
}

/**
 * The store check's part for the full-text index (run after the main repair, so
 * `live` is what the store now holds; the caller holds the body lock). Without
 * the built marker the index is rebuilt whole, which also drops the postings of
 * freed bodies left in segments; with it, bodies missing from the index are
 * indexed and records of gone bodies removed. Repairs commit in bounded batches,
 * and the marker is written last, so a repair cut short is simply run again.
 */
export async function checkSearchIndex(ctx: Context, live: Map<BlobId, LiveBody>, repair: boolean): Promise<CheckProblem[]> {
  if (!(await ctx.index.built())) {
    if (repair) {
      for (const range of [SEGMENTS_RANGE, PENDING_RANGE, MERGED_RANGE, ALWAYS_RANGE]) await deleteRange(ctx, range);
      await indexBodies(ctx, [...live.values()]);
      await ctx.index.mergeLocked(true);
      await ctx.commit([await ctx.index.markBuilt()]);
    }
    return [{ what: `search index: not built (repair builds it for ${live.size} bodies; SEARCH scans meanwhile)`, repaired: repair }];
  }
  const problems: CheckProblem[] = [];
  const indexed = new Set<BlobId>();
  const orphans: BlobId[] = [];
  for (const range of [PENDING_RANGE, MERGED_RANGE]) {
    for await (const key of ctx.db.keys(range)) {
      const blobId = key.slice(range.gte.length);
      if (live.has(blobId)) indexed.add(blobId);
      else orphans.push(blobId);
    }
  }
  const missing = [...live.values()].filter((b) => !indexed.has(b.blob.id));
  if (orphans.length > 0) problems.push({ what: `search index: ${orphans.length} bodies no longer stored are still indexed`, repaired: repair });
  if (missing.length > 0) problems.push({ what: `search index: ${missing.length} bodies are not indexed`, repaired: repair });
  if (repair) {
    for (let i = 0; i < orphans.length; i += BODIES_PER_BATCH) {
      const ops: BatchOp[] = [];
      for (const blobId of orphans.slice(i, i + BODIES_PER_BATCH)) ops.push(...(await ctx.index.removeOps(blobId)));
      await ctx.commit(ops);
    }
    await indexBodies(ctx, missing);
    await ctx.index.mergeLocked(false);
  }
  return problems;
}

async function deleteRange(ctx: Context, range: { gte: string; lt: string }): Promise<void> {
  let ops: BatchOp[] = [];
  for await (const key of ctx.db.keys(range)) {
    ops.push({ type: 'del', key });
    if (ops.length >= DELETES_PER_BATCH) {
      await ctx.commit(ops);
      ops = [];
    }
  }
  if (ops.length > 0) await ctx.commit(ops);
}

async function indexBodies(ctx: Context, bodies: LiveBody[]): Promise<void> {
  for (let i = 0; i < bodies.length; i += BODIES_PER_BATCH) {
    const ops: BatchOp[] = [];
    for (const body of bodies.slice(i, i + BODIES_PER_BATCH)) ops.push(...(await bodyIndexOps(ctx.db, ctx.index, body)));
    await ctx.commit(ops);
  }
}

/** A stored body's pending index record, made from its header and search text (the rebuild and the migration write it). */
export async function bodyIndexOps(db: Db, index: LevelSearchIndex, { blob, prefixes }: LiveBody): Promise<BatchOp[]> {
  const [raw, text] = await Promise.all([headerBytes(db, blob), db.get(keys.blobText(blob.id))]);
  return index.indexOps(blob.id, { raw, index: { ...blob.index, text: text === undefined ? '' : decode<string>(text) } }, [...prefixes]);
}

/** The body's top header, from the chunks that hold it. */
async function headerBytes(db: Db, blob: BlobMeta): Promise<Buffer> {
  const end = blob.headerEnd ?? blob.index.root.header.end;
  const count = Math.min(blob.chunks, Math.ceil(end / blob.chunkSize));
  const chunks = await db.getMany(Array.from({ length: count }, (_, i) => keys.chunk(blob.id, i)));
  return Buffer.concat(chunks.filter((c): c is Buffer => c !== undefined)).subarray(0, end);
}
