import type { BlobId } from '../types.ts';

/** A body reference a change drops: the body it points to and the backend's name for the reference. */
export interface Release {
  blobId: BlobId;
  ref: string;
}

/**
 * Reference counting: the bodies that lose their last reference with `released`,
 * given every reference each body has now (`refsOf`). A body still referenced by
 * another message (a copy, another recipient's delivery) stays.
 */
export async function unreferencedBlobs(released: readonly Release[], refsOf: (blobId: BlobId) => Promise<string[]>): Promise<BlobId[]> {
  const dropping = new Set(released.map((r) => r.ref));
  const out: BlobId[] = [];
  for (const blobId of new Set(released.map((r) => r.blobId))) {
    const remaining = (await refsOf(blobId)).filter((ref) => !dropping.has(ref));
    if (remaining.length === 0) out.push(blobId);
  }
  return out;
}
