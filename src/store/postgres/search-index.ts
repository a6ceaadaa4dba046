import { queryTrigrams } from '../../mime/search-terms.ts';
import type { Candidates, SearchIndex } from '../search-index.ts';
import type { MailboxId, Uid } from '../types.ts';
import type { PgCore } from './core.ts';

/**
 * The full-text index in PostgreSQL: each body's trigrams (search-index.ts
 * `bodyTrigrams`, written with the body) in a GIN-indexed text[] column, so a
 * lookup is one containment query over the mailbox's messages; a body with too
 * many trigrams (NULL) is a candidate for every query. Bodies, not messages, are
 * indexed: COPY and MOVE leave the index alone, and an expunge's freed body takes
 * its row with it.
 */
export class PgSearchIndex implements SearchIndex {
  readonly #core: PgCore;

  constructor(core: PgCore) {
    this.#core = core;
  }

  async candidates(mailboxId: MailboxId, text: string, limit: number): Promise<Candidates> {
    const trigrams = queryTrigrams(text);
    if (trigrams.length === 0) return { uids: null, cost: 0 };
    const rows = await this.#core.sql<{ uid: number }[]>`
      SELECT m.uid FROM messages m JOIN blobs b ON b.id = m.blob_id
      WHERE m.mailbox_id = ${mailboxId} AND (b.trigrams @> ${trigrams}::text[] OR b.trigrams IS NULL) LIMIT ${limit + 1}`;
    // About what LevelDB's lookup costs: one unit per candidate and per trigram list read.
    const cost = rows.length + trigrams.length;
    if (rows.length > limit) return { uids: null, cost };
    return { uids: new Set<Uid>(rows.map((r) => r.uid)), cost };
  }
}
