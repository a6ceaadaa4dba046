import type { Uid } from '../store/types.ts';
import { bad, no, type Outcome } from './command.ts';
import type { Parser } from './parser.ts';

/** RFC 10022 3.1.3.2: the server MUST take batches of 500 or more; smaller ones get NO [TOOFEW]. */
export const MIN_BATCH = 500;
/** RFC 10022 3.1.5, 3.1.7: the most messages one UIDBATCHES spans (the least a server MUST answer). */
export const MAX_SPAN = 100_000;

/** The arguments of `UIDBATCHES size [first:last]`: batch numbers count from 1, the newest messages first. */
export interface UidBatchesArgs {
  size: number;
  range: { first: number; last: number } | null;
}

/** `message-batches = "UIDBATCHES" SP nz-number [SP nz-number ":" nz-number]` (RFC 10022 section 4); numbers are 32-bit. */
export function parseUidBatches(p: Parser): UidBatchesArgs {
  p.sp();
  const size = p.nzNumber();
  let range: UidBatchesArgs['range'] = null;
  if (p.take(' ')) {
    const first = p.nzNumber();
    p.expect(':');
    range = { first, last: p.nzNumber() };
  }
  p.end();
  return { size, range };
}

/**
 * Why a request is refused, before anything is computed, in a mailbox of `exists`
 * messages: a reversed batch range is BAD [CLIENTBUG] (3.1.5), a batch size under
 * MIN_BATCH NO [TOOFEW] (3.1.3.2), more than MAX_SPAN messages spanned (batches
 * times size, or the whole mailbox when no range is given) NO [TOOMANY] (3.1.5, 3.1.7).
 */
export function batchesRefusal({ size, range }: UidBatchesArgs, exists: number): Outcome | null {
  if (range && range.first > range.last) return bad('Invalid batch range', 'CLIENTBUG');
  if (size < MIN_BATCH) return no(`Minimum batch size is ${MIN_BATCH}`, 'TOOFEW');
  if (range && (range.last - range.first + 1) * size > MAX_SPAN) return no('Too many messages', 'TOOMANY');
  if (!range && exists > MAX_SPAN) return no('Too many messages in mailbox', 'TOOMANY');
  return null;
}

/**
 * The UID ranges, highest first, that cut the mailbox (`uids` ascending) into
 * batches of `size` messages counted from the newest, for batches `first` to
 * `last` (RFC 10022 3.1). Each range is written `high:low`; the last batch of the
 * mailbox ends at UID 1, which tells the client it is the last (3.1.4).
 */
export function batchRanges(uids: readonly Uid[], size: number, first = 1, last = Infinity): string[] {
  const ranges: string[] = [];
  for (let batch = first; batch <= last; batch++) {
    const top = uids.length - (batch - 1) * size;
    if (top < 1) break;
    const bottom = top - size + 1;
    ranges.push(`${uids[top - 1]}:${bottom <= 1 ? 1 : uids[bottom - 1]}`);
  }
  return ranges;
}
