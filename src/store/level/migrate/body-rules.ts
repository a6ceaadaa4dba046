import type { FetchSummary } from '../../../mime/fetch-summary.ts';
import type { BlobMeta } from '../../types.ts';
import type { BatchOp } from '../commit-queue.ts';
import { decode } from '../codec.ts';
import { keys } from '../keys.ts';
import { indexedByCurrentRules, reindexOps } from '../reindex.ts';
import { countKeys, entriesAfter, under } from './range.ts';
import type { MigrationStep } from './step.ts';

const BODIES_PER_BATCH = 100;
/** Body bytes read per batch: a batch ends early after a large body, so it stays a few MB. */
const BYTES_PER_BATCH = 8 << 20;

/**
 * Bodies whose index or fetch summary older rules made (sort keys of groups,
 * ENVELOPE/BODYSTRUCTURE without spaces between list members, no summary, no header
 * end) are indexed again from their bytes, as `store check --repair` does: the read
 * paths then stop remaking them at every FETCH or SORT, and the check is clean.
 */
export const bodyRulesStep: MigrationStep = {
  id: 'body-rules',
  layout: 2,
  title: 'bodies indexed again by the current rules',
  unit: 'bodies',
  total: (core) => countKeys(core, under(keys.blobPrefix)),
  async next(core, cursor) {
    const entries = await entriesAfter(core, under(keys.blobPrefix), cursor, BODIES_PER_BATCH);
    const blobs = entries.map(([, value]) => decode<BlobMeta>(value));
    const summaries = await core.getMany<FetchSummary>(blobs.map((b) => keys.blobSummary(b.id)));
    const ops: BatchOp[] = [];
    let bytes = 0;
    let count = 0;
    for (const [i, blob] of blobs.entries()) {
      count++;
      if (indexedByCurrentRules(blob, summaries[i] ?? null)) continue;
      // A body missing a chunk is left as it is: the store check reports it.
      ops.push(...((await reindexOps(core, blob)) ?? []));
      bytes += blob.size;
      if (bytes >= BYTES_PER_BATCH) break;
    }
    const finished = count === entries.length && entries.length < BODIES_PER_BATCH;
    return { ops, count, cursor: finished ? null : entries[count - 1]![0] };
  },
};
