import type { FlagOperation, Mailbox, MailStore, MessageLesson, MessageMeta, SpamClass, SpamLesson, Uid } from '../store/types.ts';
import { headerAddresses } from './sender.ts';
import { messageMark, messageTokens, READ_LIMIT } from './tokens.ts';

/** One command learns at most this many messages: a MOVE of a whole mailbox costs bounded CPU. */
const MAX_LESSONS = 1000;

const isJunk = (mailbox: Mailbox) => mailbox.specialUse === '\\Junk';
/** Moving out of Junk into Trash says "delete", not "this is ham". */
const isTrash = (mailbox: Mailbox) => mailbox.specialUse === '\\Trash';

/**
 * What the user teaches by a COPY or MOVE (as mox and Stalwart read it): into Junk
 * is spam; out of Junk into any mailbox but Trash is ham.
 */
export function transferClass(source: Mailbox, target: Mailbox): SpamClass | null {
  if (isJunk(target) && !isJunk(source)) return 'spam';
  if (isJunk(source) && !isJunk(target) && !isTrash(target)) return 'ham';
  return null;
}

/** What the user teaches by setting flags: `$Junk` is spam; `$NotJunk`, and a reply (`\Answered`) outside Junk, ham. */
export function flagClass(mailbox: Mailbox, op: FlagOperation, flags: string[]): SpamClass | null {
  if (op === 'remove') return null;
  const lower = flags.map((f) => f.toLowerCase());
  if (lower.includes('$junk')) return 'spam';
  if (lower.includes('$notjunk')) return 'ham';
  if (lower.includes('\\answered') && !isJunk(mailbox)) return 'ham';
  return null;
}

/**
 * The lessons of messages of a mailbox, read and tokenized now, to be learned in
 * the batch of the change that taught them (MailStore takes them with COPY, MOVE
 * and STORE, and learns only those of messages the change touched).
 */
export async function messageLessons(
  store: Pick<MailStore, 'getMessages' | 'readMessage'>,
  mailbox: Mailbox,
  uids: Uid[],
  verdict: SpamClass,
  unchanged: (message: MessageMeta) => boolean = () => false,
): Promise<MessageLesson[]> {
  const messages = await store.getMessages(mailbox.id, uids.slice(0, MAX_LESSONS));
  const lessons: MessageLesson[] = [];
  for (const message of messages) {
    // A message the change leaves as it is teaches nothing: it is not read.
    if (!message || unchanged(message)) continue;
    // The body without this delivery's prefix (Return-Path, X-Spam-*): the same bytes in every copy.
    const start = Buffer.byteLength(message.prefix);
    const chunks: Buffer[] = [];
    for await (const chunk of store.readMessage(message, start, Math.min(message.size, start + READ_LIMIT))) chunks.push(chunk);
    lessons.push({ uid: message.uid, ...messageLesson(Buffer.concat(chunks), verdict) });
  }
  return lessons;
}

/** A message learned as spam or ham; as ham its From addresses become known correspondents. */
export function messageLesson(raw: Buffer, verdict: SpamClass): SpamLesson {
  const lesson: SpamLesson = { mark: messageMark(raw), verdict, tokens: messageTokens(raw) };
  return verdict === 'ham' ? { ...lesson, correspondents: headerAddresses(raw, ['from']) } : lesson;
}

/** Mail the user sent (appended to Sent): ham, and its recipients known correspondents. */
export function sentLesson(raw: Buffer): SpamLesson {
  return { mark: messageMark(raw), verdict: 'ham', tokens: messageTokens(raw), correspondents: headerAddresses(raw, ['to', 'cc', 'bcc']) };
}

export const isSent = (mailbox: Mailbox) => mailbox.specialUse === '\\Sent';
