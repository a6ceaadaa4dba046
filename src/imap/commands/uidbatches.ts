import { command, no, ok } from '../command.ts';
import { str } from '../encoder.ts';
import type { MailboxView } from '../mailbox-view.ts';
import type { ImapSession } from '../session.ts';
import { batchesRefusal, batchRanges, parseUidBatches, type UidBatchesArgs } from '../uid-batches.ts';

/** What the view held when a request was answered: its messages and its highest UID. */
interface Answered {
  exists: number;
  maxUid: number;
}

/** Requests remembered per selected mailbox, for the repeat rule; the oldest is forgotten past this many. */
const REMEMBERED = 32;
const answered = new WeakMap<MailboxView, Map<string, Answered>>();

/**
 * RFC 10022 3.1.1: a client asks again only once more than half a batch of
 * messages came or went (or after selecting again, which makes a new view). A
 * repeat before that is refused NO [LIMIT], as the RFC asks of servers (section 6).
 */
function repeatTooSoon(view: MailboxView, request: string, size: number): boolean {
  const seen = answered.get(view) ?? new Map<string, Answered>();
  answered.set(view, seen);
  const before = seen.get(request);
  const maxUid = view.uids.at(-1) ?? 0;
  if (before) {
    let arrived = 0;
    for (let i = view.uids.length - 1; i >= 0 && view.uids[i]! > before.maxUid; i--) arrived++;
    const gone = before.exists + arrived - view.uids.length;
    if (arrived <= size / 2 && gone <= size / 2) return true;
  }
  seen.delete(request);
  seen.set(request, { exists: view.uids.length, maxUid });
  if (seen.size > REMEMBERED) seen.delete(seen.keys().next().value!);
  return false;
}

/**
 * RFC 10022: UID ranges that cut the selected mailbox, as the client knows it, into
 * batches of a given size, newest first, always answered by a `* UIDBATCHES`
 * response (empty when no batch is there), unless batchesRefusal refuses the
 * request. Nothing is saved for `$` (section 3.4).
 */
export default command({
  states: ['selected'],
  parse: parseUidBatches,
  async run(session: ImapSession, { size, range }: UidBatchesArgs, tag) {
    const view = session.view!;
    const refusal = batchesRefusal({ size, range }, view.uids.length);
    if (refusal) return refusal;
    if (repeatTooSoon(view, `${size} ${range ? `${range.first}:${range.last}` : '*'}`, size)) {
      session.log.info({ ip: session.ip, user: session.account?.address, reason: 'uidbatches-repeat', size }, 'UIDBATCHES refused');
      return no('These batches were just given: ask again once half a batch of messages came or went', 'LIMIT');
    }
    const ranges = batchRanges(view.uids, size, range?.first, range?.last);
    await session.untagged(`UIDBATCHES (TAG ${str(tag)})${ranges.length > 0 ? ` ${ranges.join(',')}` : ''}`);
    return ok('UIDBATCHES completed');
  },
});
