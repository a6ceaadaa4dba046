import type { SearchIndex } from '../store/search-index.ts';
import type { MailboxId, Uid } from '../store/types.ts';
import { ADDRESS_FIELDS } from './search-eval.ts';
import type { SearchKey } from './search-query.ts';

/**
 * The UIDs that may match `key` by the full-text index, or null when any message
 * may (no text key, NOT, a text too short, the index unable to narrow). Only
 * narrows: search-run.ts still evaluates the key on each candidate. Lookups count
 * against the search cost; each stops at `limit` candidate bodies.
 */
export async function indexCandidates(index: SearchIndex, mailboxId: MailboxId, key: SearchKey, limit: number, cost: { spent: number }): Promise<Set<Uid> | null> {
  switch (key.type) {
    case 'header':
      // An address field also matches its parsed addresses (search-eval.ts), text the index never saw.
      if (ADDRESS_FIELDS.has(key.field)) return null;
      return lookup(index, mailboxId, key.value, limit, cost);
    case 'text':
    case 'body': {
      return lookup(index, mailboxId, key.value, limit, cost);
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

async function lookup(index: SearchIndex, mailboxId: MailboxId, text: string, limit: number, cost: { spent: number }): Promise<Set<Uid> | null> {
  const found = await index.candidates(mailboxId, text, limit);
  cost.spent += found.cost;
  return found.uids;
}
