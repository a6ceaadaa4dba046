import type { MailboxId, Uid } from './types.ts';

/** What a lookup in the full-text index found, and what it cost (in search-cost units: postings read). */
export interface Candidates {
  /** UIDs of the mailbox that may contain the text; null when the index cannot narrow (too short a text, index not built, too many). */
  uids: Set<Uid> | null;
  cost: number;
}

/**
 * The full-text index, a store role (issue 18). It narrows: every message whose
 * searched text contains the query (as mime/search-terms.ts folds and splits it)
 * is among the candidates, never fewer; SEARCH confirms each candidate with the
 * same check it runs without the index, so answers do not depend on it.
 */
export interface SearchIndex {
  /** Candidates for messages containing `text`; past `limit` candidate bodies it gives up (uids null). */
  candidates(mailboxId: MailboxId, text: string, limit: number): Promise<Candidates>;
}
