import type { Uid } from '../store/types.ts';
import type { MailboxView } from './mailbox-view.ts';
import { parseSequenceSet, type SequenceSet } from './sequence-set.ts';
import type { Parser } from './parser.ts';

/** A set as the command gave it: message numbers, or UIDs for the UID form. */
export interface MessageSet {
  set: SequenceSet;
  byUid: boolean;
}

export function parseMessageSet(p: Parser, byUid: boolean): MessageSet {
  return { set: parseSequenceSet(p), byUid };
}

/** The UIDs (ascending) the set names in the client's view of the mailbox. */
export function resolve(view: MailboxView, { set, byUid }: MessageSet): Uid[] {
  return byUid ? view.byUid(set) : view.bySequence(set);
}
