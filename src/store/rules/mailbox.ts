import { applyFlags, isSeen, sameFlags } from '../flags.ts';
import type { AccountId, FlagOperation, Mailbox, MessageMeta, ModSeq, SpecialUse, Uid } from '../types.ts';

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

/**
 * A flag change (STORE) on messages of one mailbox: each message whose flags `op`
 * changes gets them with one new MODSEQ for the whole change; with `unchangedSince`
 * (CONDSTORE, RFC 7162 3.1.3) a message changed after it is left alone. The mailbox's
 * unseen count follows; its HIGHESTMODSEQ moves only when something changed.
 * Returns the changed messages (records, or a backend's index entries), to be written.
 */
export function changeFlags<M extends Pick<MessageMeta, 'modSeq' | 'flags'>>(mailbox: Mailbox, messages: readonly M[], op: FlagOperation, flags: string[], unchangedSince?: ModSeq): M[] {
  const modSeq = mailbox.highestModSeq + 1;
  const changed: M[] = [];
  for (const message of messages) {
    if (unchangedSince !== undefined && message.modSeq > unchangedSince) continue;
    const next = applyFlags(message.flags, op, flags);
    if (sameFlags(next, message.flags)) continue;
    mailbox.unseen += unseenDelta(message.flags, next);
    changed.push({ ...message, flags: next, modSeq });
  }
  if (changed.length > 0) nextModSeq(mailbox);
  return changed;
}

/**
 * \Recent (RFC 3501 2.3.2): what a session that sees the mailbox up to `upTo` claims.
 * `first` is the first UID it claims, `recentFrom` the mailbox's first unclaimed UID
 * after the claim, to be stored; null when every UID up to `upTo` was claimed before.
 */
export function recentClaim(mailbox: Pick<Mailbox, 'recentFrom'>, upTo: Uid): { first: Uid; recentFrom: Uid } | null {
  const first = mailbox.recentFrom ?? 1;
  return first > upTo ? null : { first, recentFrom: upTo + 1 };
}

/**
 * COPY and MOVE (RFC 6851) of `messages` (in UID order) into `target`: each copy gets
 * the next UID and one MODSEQ for them all, keeps its flags, internal date and body,
 * and is saved now. A move releases them from `source` with one MODSEQ for the
 * expunge (null for a copy). `source` and `target` may be the same record.
 */
export function transferMessages(
  source: Mailbox,
  target: Mailbox,
  messages: readonly MessageMeta[],
  move: boolean,
  now: number,
): { copies: MessageMeta[]; modSeq: ModSeq; expungeModSeq: ModSeq | null } {
  const modSeq = nextModSeq(target);
  const copies = messages.map((m) => ({ ...m, mailboxId: target.id, uid: admitMessage(target, m.size, m.flags), modSeq, savedDate: now }));
  if (!move) return { copies, modSeq, expungeModSeq: null };
  const expungeModSeq = nextModSeq(source);
  for (const message of messages) releaseMessage(source, message);
  return { copies, modSeq, expungeModSeq };
}
