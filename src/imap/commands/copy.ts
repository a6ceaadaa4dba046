import { limitRefusal } from '../message-limit.ts';
import { resolve } from '../message-set.ts';
import { command, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';
import { transferLessons } from '../spam-learning.ts';
import { copyResult, parseTransfer, targetMailbox, type TransferArgs } from '../transfer.ts';

/**
 * RFC 3501 6.4.7 with COPYUID (RFC 4315); the bodies are shared, not copied. COPY
 * is all or nothing, so past MESSAGELIMIT nothing is copied (RFC 9738 3.1); the
 * code names the lowest UID of the highest messages that would fit.
 */
async function runCopy(session: ImapSession, args: TransferArgs): Promise<Outcome> {
  const view = session.view!;
  const uids = resolve(view, args.messages);
  const limit = session.deps.messageLimit;
  if (uids.length > limit) return limitRefusal(session, args.messages.byUid ? 'UID COPY' : 'COPY', uids.length, uids[uids.length - limit]);
  const target = await targetMailbox(session, args.target);
  if (typeof target !== 'number') return target;
  const lessons = await transferLessons(session, target, uids);
  const result = copyResult(await session.deps.store.copyMessages(view.mailbox.id, uids, target, { enforceQuota: true, lessons }));
  if ('status' in result) return result;
  return ok('COPY completed', result.code ?? undefined);
}

export default command({ states: ['selected'], parse: (p) => parseTransfer(p, false), run: runCopy });

/** RFC 3501 6.4.8: COPY by UID. */
export const uidCopy = command({ states: ['selected'], parse: (p) => parseTransfer(p, true), run: runCopy });
