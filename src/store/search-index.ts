import { messageTrigrams } from '../mime/search-terms.ts';
import type { MailboxId, NewBlob, Uid } from './types.ts';

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

/**
 * The trigrams a body is indexed under, every backend alike: its decoded text and its
 * header as each copy serves it (`prefixes`: the per-copy header prefixes, which SEARCH
 * reads as part of the header). Null: too many to keep, a candidate for every query.
 */
export function bodyTrigrams(blob: Pick<NewBlob, 'raw' | 'index'>, prefixes: readonly string[]): string[] | null {
  const header = blob.raw.subarray(0, blob.index.root.header.end);
  const blocks = [...new Set(prefixes)].map((prefix) => Buffer.concat([Buffer.from(prefix), header]));
  return messageTrigrams(blocks, blob.index.text);
}
