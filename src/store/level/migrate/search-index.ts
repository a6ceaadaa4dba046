import type { BlobMeta } from '../../types.ts';
import type { BatchOp } from '../commit-queue.ts';
import { decode } from '../codec.ts';
import { del, locks, type LevelCore } from '../core.ts';
import { keys, parseRefKey } from '../keys.ts';
import { bodyIndexOps } from '../search-index-check.ts';
import { ALWAYS_RANGE, MERGED_RANGE, PENDING_RANGE, SEGMENTS_RANGE } from '../search-index.ts';
import { countKeys, entriesAfter, keysAfter, under } from './range.ts';
import type { MigrationStep } from './step.ts';

/** The index's ranges in key order, so that one cursor walks them all. */
const INDEX_RANGES = [ALWAYS_RANGE, MERGED_RANGE, PENDING_RANGE, SEGMENTS_RANGE];
const DELETES_PER_BATCH = 20_000;
const BODIES_PER_BATCH = 100;

const done = { ops: [], count: 0, cursor: null };

/**
 * A layout-1 store written before the full-text index has none (`meta/fts` absent);
 * it is built in two steps, as `store check --repair` builds it. First whatever an
 * interrupted repair left is deleted. A store whose index is built skips both steps.
 */
export const searchIndexClearStep: MigrationStep = {
  id: 'search-index-clear',
  layout: 2,
  title: 'full-text index: remains of an unfinished build removed',
  unit: 'keys',
  async total(core) {
    if (await core.searchIndex.built()) return 0;
    let n = 0;
    for (const range of INDEX_RANGES) n += await countKeys(core, range);
    return n;
  },
  async next(core, cursor) {
    if (await core.searchIndex.built()) return done;
    const batch: string[] = [];
    for (const range of INDEX_RANGES) {
      if (batch.length >= DELETES_PER_BATCH) break;
      batch.push(...(await keysAfter(core, range, cursor, DELETES_PER_BATCH - batch.length)));
    }
    return { ops: batch.map(del), count: batch.length, cursor: batch.length < DELETES_PER_BATCH ? null : batch.at(-1)! };
  },
};

/**
 * Then every body gets its pending record (its trigrams, with the per-copy prefixes of
 * its messages, found through its references), a batch of bodies at a time; the last
 * batch merges what is pending into segments and marks the index built.
 */
export const searchIndexBuildStep: MigrationStep = {
  id: 'search-index-build',
  layout: 2,
  title: 'full-text index built',
  unit: 'bodies',
  total: async (core) => ((await core.searchIndex.built()) ? 0 : countKeys(core, under(keys.blobPrefix))),
  async next(core, cursor) {
    if (await core.searchIndex.built()) return done;
    const entries = await entriesAfter(core, under(keys.blobPrefix), cursor, BODIES_PER_BATCH);
    if (entries.length === 0) {
      // Merging commits batches of its own; what it has not merged when killed is merged by the next run.
      await core.locks.withLocks([locks.blobs], () => core.searchIndex.mergeLocked(true));
      return { ops: [await core.searchIndex.markBuilt()], count: 0, cursor: null };
    }
    const ops: BatchOp[] = [];
    for (const [, value] of entries) {
      const blob = decode<BlobMeta>(value);
      const prefixes = await prefixesOf(core, blob.id);
      // A body no message refers to is not indexed: the store check reports it.
      if (prefixes.size > 0) ops.push(...(await bodyIndexOps(core.db, core.searchIndex, { blob, prefixes })));
    }
    return { ops, count: entries.length, cursor: entries.at(-1)![0] };
  },
};

/** The per-copy header prefixes of a body's messages. */
async function prefixesOf(core: LevelCore, blobId: string): Promise<Set<string>> {
  const refs = (await core.scanKeys(keys.refPrefix(blobId))).map(parseRefKey);
  const messages = await core.getMany<{ prefix: string }>(refs.map((r) => keys.message(r.mailboxId, r.uid)));
  return new Set(messages.filter((m) => m !== null).map((m) => m.prefix));
}
