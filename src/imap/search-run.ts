import type { SearchFields } from '../mime/types.ts';
import type { MessageMeta, Uid } from '../store/types.ts';
import { no, type Outcome } from './command.ts';
import { currentFields } from './sort-fields.ts';
import { indexCandidates } from './search-candidates.ts';
import { matches, NotLoaded, type SearchScope, type SearchSubject } from './search-eval.ts';
import { SEARCH_CHARSETS, type SearchKey } from './search-query.ts';
import { SearchBatch, searchSubject } from './search-subject.ts';
import type { MailboxView } from './mailbox-view.ts';
import type { ImapSession } from './session.ts';
import type { SortEntry } from './sort-order.ts';
import { numberedSearchRefusal } from './uid-only.ts';
import type { Progress } from './progress.ts';
import { isVanished } from './vanished-body.ts';

/** Records are read this many at a time. */
const BATCH = 500;
/** Message bytes per SearchBatch: bounds the search texts (never much larger than their messages) held at once. */
const BATCH_BYTES = 4 << 20;
/**
 * The index is asked for at most this share of the mailbox's messages (or
 * MIN_CANDIDATES): when more may match, scanning them all costs about the same.
 */
const CANDIDATE_SHARE = 0.25;
const MIN_CANDIDATES = 64;
/** Search keys evaluated between two yields to the event loop, so that other sessions are served meanwhile. */
const YIELD_EVERY = 20_000;

export interface Match {
  seq: number;
  meta: MessageMeta;
}

/** The NO for a charset SEARCH, SORT and THREAD cannot take, or null when it is fine. */
export function charsetRefusal(charset: string | null): Outcome | null {
  if (charset === null || SEARCH_CHARSETS.includes(charset)) return null;
  return no(`Charset ${charset} is not supported`, `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`);
}

/** The NO for a search past `imap.search_cost`; the session goes on. */
function costRefusal(session: ImapSession, spent: number): Outcome {
  session.log.warn({ ip: session.ip, user: session.account?.address, reason: 'search-cost', spent, limit: session.deps.searchCost }, 'search refused');
  return no('This search is too expensive: use fewer search keys or a smaller mailbox', 'LIMIT');
}

/**
 * The messages the client knows that match `key`, in mailbox order: what SEARCH,
 * SORT and THREAD select. Text keys match case-insensitively in the decoded header
 * values and the stored search text; the full-text index first narrows the
 * messages to read to those that may match (search-candidates.ts). Design rule 8:
 * the keys evaluated over all messages and the postings read are bounded by
 * `imap.search_cost`; past it the answer is a NO [LIMIT] (costRefusal) instead of
 * the matches. MULTISEARCH passes its `source` and one `cost` for all its mailboxes;
 * `progress` tells a client of a long scan (RFC 9585); `only` leaves out the
 * messages MESSAGELIMIT cuts (message-limit.ts).
 */
export async function searchMessages(session: ImapSession, key: SearchKey, opts: { source?: SearchSource; cost?: { spent: number }; progress?: Progress; only?: ReadonlySet<Uid> } = {}): Promise<Match[] | Outcome> {
  const refusal = numberedSearchRefusal(session, key);
  if (refusal) return refusal;
  const { source = viewSource(session.view!), cost = { spent: 0 }, progress, only } = opts;
  const store = session.deps.store;
  const uids = [...source.uids];
  const scope = { maxSeq: uids.length, maxUid: uids[uids.length - 1] ?? 0, saved: new Set(source.saved), recent: source.recent, now: Date.now(), cost };
  const found: Match[] = [];
  const limit = Math.max(MIN_CANDIDATES, Math.floor(uids.length * CANDIDATE_SHARE));
  const wanted = await indexCandidates(store.searchIndex, source.mailboxId, key, limit, cost);
  if (cost.spent > session.deps.searchCost) return costRefusal(session, cost.spent);
  const chosen = uids.flatMap((uid, i) => ((!wanted || wanted.has(uid)) && (!only || only.has(uid)) ? [{ seq: i + 1, uid }] : []));
  let yielded = 0;
  for (let i = 0; i < chosen.length; i += BATCH) {
    await progress?.report(i);
    const part = chosen.slice(i, i + BATCH);
    const messages = await store.getMessages(source.mailboxId, part.map((c) => c.uid));
    const present = messages.flatMap((meta, j) => (meta ? [{ seq: part[j]!.seq, meta }] : []));
    for (const group of byBytes(present)) {
      const batch = new SearchBatch(store, group.map((m) => m.meta));
      for (const m of group) {
        if (await matchesLive(key, searchSubject(batch, m.seq, m.meta), scope)) found.push(m);
        if (cost.spent > session.deps.searchCost) return costRefusal(session, cost.spent);
        if (cost.spent - yielded >= YIELD_EVERY) {
          yielded = cost.spent;
          await new Promise(setImmediate);
        }
      }
    }
  }
  return found;
}

/**
 * The messages a search runs over: the selected mailbox as the client knows it, or
 * another mailbox as it is now (MULTISEARCH), where `$` matches nothing (RFC 5182 2.4).
 */
export interface SearchSource {
  mailboxId: number;
  uids: readonly Uid[];
  saved: readonly Uid[];
  /** The messages recent in this session (IMAP4rev1); another mailbox has none. */
  recent?: ReadonlySet<Uid>;
}

const viewSource = (view: MailboxView): SearchSource => ({ mailboxId: view.mailbox.id, uids: view.uids, saved: view.savedUids(), recent: view.recent });

/** Consecutive groups whose message sizes add up to at most BATCH_BYTES (or one message). */
function byBytes(matches: Match[]): Match[][] {
  const groups: Match[][] = [];
  let bytes = Infinity;
  for (const m of matches) {
    if (bytes + m.meta.size > BATCH_BYTES) {
      groups.push([]);
      bytes = 0;
    }
    groups.at(-1)!.push(m);
    bytes += m.meta.size;
  }
  return groups;
}

/**
 * Evaluates, loading what a key asks for and evaluating again. A message whose body
 * another session's expunge freed while it was read cannot match (RFC 2180 4.1).
 */
async function matchesLive(key: SearchKey, m: SearchSubject, scope: SearchScope): Promise<boolean> {
  for (;;) {
    try {
      return matches(key, m, scope);
    } catch (err) {
      if (!(err instanceof NotLoaded)) throw err;
      try {
        await m.load(err.what);
      } catch (loadErr) {
        if (isVanished(loadErr)) return false;
        throw loadErr;
      }
    }
  }
}

/** Matches with the header data stored at delivery, for SORT and THREAD; `id` is the UID or the number. */
export async function sortEntriesOf(session: ImapSession, found: Match[], byUid: boolean): Promise<SortEntry[]> {
  const store = session.deps.store;
  const metaOf = new Map(found.map((m) => [m.meta.blobId, m.meta]));
  const blobIds = [...metaOf.keys()];
  const fields = new Map<string, SearchFields | null>();
  for (let i = 0; i < blobIds.length; i += BATCH) {
    const ids = blobIds.slice(i, i + BATCH);
    for (const [j, blob] of (await store.getBlobs(ids)).entries()) {
      fields.set(ids[j]!, blob ? await currentFields(store, metaOf.get(ids[j]!)!, blob).catch(() => null) : null);
    }
  }
  const entries: SortEntry[] = [];
  for (const { seq, meta } of found) {
    const f = fields.get(meta.blobId);
    // A record without its body is for `mailfold store check` to repair; it is left out meanwhile.
    if (f) entries.push({ seq, id: byUid ? meta.uid : seq, size: meta.size, internalDate: meta.internalDate, fields: f });
  }
  return entries;
}
