import { isSeen } from '../flags.ts';
import type { AccountId, Mailbox, MessageMeta, ModSeq, SpecialUse, Uid } from '../types.ts';

/** The mailboxes every new account gets. */
export const DEFAULT_MAILBOXES: readonly { name: string; specialUse: SpecialUse | null }[] = [
  { name: 'INBOX', specialUse: null },
  { name: 'Sent', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Trash', specialUse: '\\Trash' },
  { name: 'Junk', specialUse: '\\Junk' },
  { name: 'Archive', specialUse: '\\Archive' },
];

/** The ids a store hands out; they only ever grow. */
export interface Counters {
  nextAccountId: number;
  nextMailboxId: number;
  nextUidValidity: number;
}

/** Fresh counters: UIDVALIDITY is seeded from the clock so a store made anew never repeats one a client has cached. */
export const initialCounters = (now: number): Counters => ({ nextAccountId: 1, nextMailboxId: 1, nextUidValidity: Math.floor(now / 1000) });

/** Counters raised to at least `floor` (the store check's repair): never lowered. */
export const raisedCounters = (current: Counters, floor: Counters): Counters => ({
  nextAccountId: Math.max(current.nextAccountId, floor.nextAccountId),
  nextMailboxId: Math.max(current.nextMailboxId, floor.nextMailboxId),
  nextUidValidity: Math.max(current.nextUidValidity, floor.nextUidValidity),
});

/** A new, empty mailbox; takes its id and UIDVALIDITY from the counters. */
export function newMailbox(counters: Counters, accountId: AccountId, name: string, specialUse: SpecialUse | null, subscribed: boolean, now: number): Mailbox {
  return {
    id: counters.nextMailboxId++,
    accountId,
    name,
    specialUse,
    subscribed,
    uidValidity: counters.nextUidValidity++,
    uidNext: 1,
    highestModSeq: 1,
    messages: 0,
    unseen: 0,
    size: 0,
    createdAt: now,
  };
}

/** The next MODSEQ of a mailbox (rule 2: it grows on every change); the record keeps it. */
export const nextModSeq = (mailbox: Mailbox): ModSeq => ++mailbox.highestModSeq;

/** A UID for a message entering the mailbox: strictly increasing, never reused. Counts the message in. */
export function admitMessage(mailbox: Mailbox, size: number, flags: readonly string[]): Uid {
  mailbox.messages++;
  mailbox.size += size;
  if (!isSeen([...flags])) mailbox.unseen++;
  return mailbox.uidNext++;
}

/** Counts a message out of the mailbox (expunge, move); its UID stays used. */
export function releaseMessage(mailbox: Mailbox, message: Pick<MessageMeta, 'size' | 'flags'>): void {
  mailbox.messages--;
  mailbox.size -= message.size;
  if (!isSeen(message.flags)) mailbox.unseen--;
}

/** The unseen count's change when a message's flags go from `before` to `after`. */
export const unseenDelta = (before: string[], after: string[]): number => (isSeen(before) ? 1 : 0) - (isSeen(after) ? 1 : 0);
