import { flagClass, isSent, messageLessons, sentLesson, transferClass } from '../spam/lessons.ts';
import type { AccountLessons, FlagOperation, Mailbox, MessageLesson, Uid } from '../store/types.ts';
import type { ImapSession } from './session.ts';

/**
 * The spam lessons (issue 15) a COPY or MOVE of the selected mailbox's messages to
 * `targetId` teaches; the store learns them in the batch of the copy.
 */
export async function transferLessons(session: ImapSession, targetId: number, uids: Uid[]): Promise<MessageLesson[]> {
  const { store, learnSpam } = session.deps;
  if (!learnSpam) return [];
  const target = await store.getMailboxById(targetId);
  const verdict = target ? transferClass(session.view!.mailbox, target) : null;
  return verdict ? messageLessons(store, session.view!.mailbox, uids, verdict) : [];
}

/** Mail the user appends to Sent is ham, and its recipients known correspondents: learned in the append's batch. */
export function appendLearning(session: ImapSession, mailbox: Mailbox, raws: Buffer[]): AccountLessons | undefined {
  if (!session.deps.learnSpam || !isSent(mailbox)) return undefined;
  return { accountId: mailbox.accountId, lessons: raws.map(sentLesson) };
}

/** The lessons a STORE of these flags teaches ($Junk, $NotJunk, \Answered). */
export async function flagLessons(session: ImapSession, uids: Uid[], op: FlagOperation, flags: string[]): Promise<MessageLesson[]> {
  if (!session.deps.learnSpam) return [];
  const verdict = flagClass(session.view!.mailbox, op, flags);
  if (!verdict) return [];
  const wanted = flags.map((f) => f.toLowerCase());
  // Messages that have every flag already are not changed by +FLAGS: not worth reading.
  const unchanged = (m: { flags: string[] }) => op === 'add' && wanted.every((f) => m.flags.some((g) => g.toLowerCase() === f));
  return messageLessons(session.deps.store, session.view!.mailbox, uids, verdict, unchanged);
}
