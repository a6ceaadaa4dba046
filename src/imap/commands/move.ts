import { resolve } from '../message-set.ts';
import { command, no, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';
import { transferLessons } from '../spam-learning.ts';
import { copyResult, parseTransfer, targetMailbox, type TransferArgs } from '../transfer.ts';

/**
 * RFC 6851: copy and expunge in one store batch. COPYUID goes out untagged before
 * the EXPUNGE responses, which the session sends from the store's report.
 */
async function runMove(session: ImapSession, args: TransferArgs): Promise<Outcome> {
  const view = session.view!;
  if (view.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
  const uids = resolve(view, args.messages);
  const target = await targetMailbox(session, args.target);
  if (typeof target !== 'number') return target;
  const lessons = await transferLessons(session, target, uids);
  const result = copyResult(await session.deps.store.moveMessages(view.mailbox.id, uids, target, { lessons }));
  if ('status' in result) return result;
  if (result.code) await session.untagged(`OK [${result.code}] Moved`);
  return ok('MOVE completed');
}

export default command({ states: ['selected'], parse: (p) => parseTransfer(p, false), run: runMove });

/** RFC 6851: MOVE by UID. */
export const uidMove = command({ states: ['selected'], parse: (p) => parseTransfer(p, true), run: runMove });
