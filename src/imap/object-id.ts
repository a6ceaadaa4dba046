/**
 * RFC 8474 object identifiers, derived from what the store already keeps stable:
 * a mailbox's id (a counter that is never reused, kept across RENAME), a message
 * body's id (shared by its copies, so COPY and MOVE keep the EMAILID), and for
 * THREADID the first Message-ID of the thread as the stored header data names it.
 * objectid = 1*255(ALPHA / DIGIT / "_" / "-"). Pure.
 */
import { createHash } from 'node:crypto';
import type { SearchFields } from '../mime/types.ts';
import type { Mailbox, MessageMeta } from '../store/types.ts';

export const mailboxId = (mailbox: Pick<Mailbox, 'id'>): string => `F${mailbox.id}`;

export const emailId = (message: Pick<MessageMeta, 'blobId'>): string => `M${message.blobId}`;

/**
 * The thread's root as the message knows it: the first of References (the start
 * of the conversation), else In-Reply-To, else its own Message-ID; a message
 * without any is a thread of its own, named by its body.
 */
export function threadId(fields: Pick<SearchFields, 'references' | 'inReplyTo' | 'messageId'>, message: Pick<MessageMeta, 'blobId'>): string {
  const root = fields.references[0] ?? fields.inReplyTo ?? fields.messageId;
  if (!root) return `T${message.blobId}`;
  return `T${createHash('sha256').update(root).digest('hex').slice(0, 24)}`;
}
