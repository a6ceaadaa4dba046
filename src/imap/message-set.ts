import type { Uid } from '../store/types.ts';
import type { MailboxView } from './mailbox-view.ts';
import { parseSequenceSet, type SequenceSet } from './sequence-set.ts';
import type { Parser } from './parser.ts';

/** A set as the command gave it: message numbers, or UIDs for the UID form; null for `$`. */
export interface MessageSet {
  /** null: `$`, the saved search result (RFC 5182), the same messages in both forms. */
  set: SequenceSet | null;
  byUid: boolean;
}

export function parseMessageSet(p: Parser, byUid: boolean): MessageSet {
  if (p.take('$')) return { set: null, byUid };
  return { set: parseSequenceSet(p), byUid };
}

/** The UIDs (ascending) the set names in the client's view of the mailbox. */
export function resolve(view: MailboxView, { set, byUid }: MessageSet): Uid[] {
  if (set === null) return view.savedUids();
  return byUid ? view.byUid(set) : view.bySequence(set);
}
