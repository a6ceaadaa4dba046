import { limitUids, withCut } from '../message-limit.ts';
import { resolve } from '../message-set.ts';
import { command, no, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';
import { transferLessons } from '../spam-learning.ts';
import { copyResult, parseTransfer, targetMailbox, type TransferArgs } from '../transfer.ts';

/**
 * RFC 6851: copy and expunge in one store batch. COPYUID goes out untagged before
 * the EXPUNGE responses, which the session sends from the store's report. Past
 * MESSAGELIMIT the highest UIDs move (RFC 9738 3.1: MOVE need not be atomic).
 */
async function runMove(session: ImapSession, args: TransferArgs): Promise<Outcome> {
  const view = session.view!;
  if (view.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
  const { uids, cut } = limitUids(session, resolve(view, args.messages), args.messages.byUid ? 'UID MOVE' : 'MOVE');
  const target = await targetMailbox(session, args.target);
  if (typeof target !== 'number') return target;
  const lessons = await transferLessons(session, target, uids);
  const result = copyResult(await session.deps.store.moveMessages(view.mailbox.id, uids, target, { lessons }));
  if ('status' in result) return result;
  if (result.code) await session.untagged(`OK [${result.code}] Moved`);
  return withCut(session, ok('MOVE completed'), cut);
}

export default command({ states: ['selected'], parse: (p) => parseTransfer(p, false), run: runMove });

/** RFC 6851: MOVE by UID. */
export const uidMove = command({ states: ['selected'], parse: (p) => parseTransfer(p, true), run: runMove });
