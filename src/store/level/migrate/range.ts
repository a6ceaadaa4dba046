import type { LevelCore } from '../core.ts';
import { prefixEnd } from '../keys.ts';

/** A key range; the search index's ranges end at `<prefix>0`, the others at prefixEnd. */
export interface KeyRange {
  gte: string;
  lt: string;
}

export const under = (prefix: string): KeyRange => ({ gte: prefix, lt: prefixEnd(prefix) });

/** Up to `limit` entries of `range` after the key `cursor` (null: from the start), in key order. */
export function entriesAfter(core: LevelCore, range: KeyRange, cursor: string | null, limit: number): Promise<[string, Buffer][]> {
  const from = cursor !== null && cursor >= range.gte ? { gt: cursor } : { gte: range.gte };
  return core.db.iterator({ ...from, lt: range.lt, limit }).all();
}

/** Up to `limit` keys of `range` after `cursor`. */
export function keysAfter(core: LevelCore, range: KeyRange, cursor: string | null, limit: number): Promise<string[]> {
  const from = cursor !== null && cursor >= range.gte ? { gt: cursor } : { gte: range.gte };
  return core.db.keys({ ...from, lt: range.lt, limit }).all();
}

/** How many keys `range` holds, counted without keeping them. */
export async function countKeys(core: LevelCore, range: KeyRange): Promise<number> {
  let n = 0;
  for await (const _ of core.db.keys(range)) n++;
  return n;
}
