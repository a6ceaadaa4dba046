import { fetchSummary, isCurrent, type FetchSummary } from '../../mime/fetch-summary.ts';
import { SORT_KEYS } from '../../mime/fields.ts';
import { indexMessage } from '../../mime/index.ts';
import type { BlobMeta } from '../types.ts';
import type { BatchOp } from './commit-queue.ts';
import { put, type LevelCore } from './core.ts';
import { keys } from './keys.ts';

/**
 * Whether a body's stored index and fetch summary were made by today's rules: sort
 * keys of groups (issue 14), the wire form of lists, a summary at all (bodies stored
 * before summaries were kept have none) and the header end beside the index.
 */
export function indexedByCurrentRules(blob: BlobMeta, summary: FetchSummary | null): boolean {
  return blob.index.fields.sortKeys === SORT_KEYS && summary !== null && isCurrent(summary) && blob.headerEnd !== undefined;
}

/**
 * The records of a body indexed again from its stored bytes: index, search text and
 * fetch summary. Null when a chunk is missing (the store check reports that body).
 */
export async function reindexOps(core: LevelCore, blob: BlobMeta): Promise<BatchOp[] | null> {
  const chunks = await core.db.getMany(Array.from({ length: blob.chunks }, (_, i) => keys.chunk(blob.id, i)));
  if (chunks.some((c) => c === undefined)) return null;
  const { text, ...index } = indexMessage(Buffer.concat(chunks as Buffer[]));
  return [put(keys.blob(blob.id), { ...blob, headerEnd: index.root.header.end, index }), put(keys.blobText(blob.id), text), put(keys.blobSummary(blob.id), fetchSummary(index))];
}
