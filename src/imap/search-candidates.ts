import type { SearchIndex } from '../store/search-index.ts';
import type { MailboxId, Uid } from '../store/types.ts';
import type { SearchKey } from './search-query.ts';

/**
 * The UIDs that may match `key` by the full-text index, or null when any message
 * may (no text key, NOT, a text too short, the index unable to narrow). Only
 * narrows: search-run.ts still evaluates the key on each candidate. Lookups count
 * against the search cost; each stops at `limit` candidate bodies.
 */
export async function indexCandidates(index: SearchIndex, mailboxId: MailboxId, key: SearchKey, limit: number, cost: { spent: number }): Promise<Set<Uid> | null> {
  switch (key.type) {
    case 'text':
    case 'body':
    case 'header': {
      const found = await index.candidates(mailboxId, key.value, limit);
      cost.spent += found.cost;
      return found.uids;
    }
    case 'and': {
      let out: Set<Uid> | null = null;
      for (const k of key.keys) {
        const found = await indexCandidates(index, mailboxId, k, limit, cost);
        if (found) out = out ? new Set([...out].filter((uid: Uid) => found.has(uid))) : found;
        if (out?.size === 0) break;
      }
      return out;
    }
    case 'or': {
      const a = await indexCandidates(index, mailboxId, key.a, limit, cost);
      const b = a && (await indexCandidates(index, mailboxId, key.b, limit, cost));
      return a && b ? new Set([...a, ...b]) : null;
    }
    default:
      return null;
  }
}
