import { addContext, contextRefusal } from '../search-context.ts';
import { Progress } from '../progress.ts';
import { charsetRefusal, searchMessages, sortEntriesOf } from '../search-run.ts';
import { usesModSeq } from '../search-query.ts';
import { coveredHits, esearchResponse, type SearchHit } from '../search-return.ts';
import { sortEntries } from '../sort-order.ts';
import { parseSort, type SortQuery } from '../sort-query.ts';
import { command, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';

/**
 * RFC 5256 SORT (with RFC 5957 DISPLAYFROM and DISPLAYTO): the matching messages in the
 * order the criteria give; with RETURN, an ESEARCH answer in that order (ESORT, RFC 5267
 * section 3, PARTIAL from RFC 9394), MIN and MAX being the first and last in sort order.
 */
async function runSort(session: ImapSession, query: SortQuery, byUid: boolean, tag: string): Promise<Outcome> {
  const view = session.view!;
  const saves = query.returns?.options.includes('SAVE') ?? false;
  const refusal = charsetRefusal(query.charset) ?? contextRefusal(view, tag, query.returns);
  const at = view.highestModSeq;
  const found = refusal ?? (await searchMessages(session, query.key, { progress: new Progress(session, tag, view.exists) }));
  if (!Array.isArray(found)) {
    // A failed search with SAVE empties `$` (RFC 5182 2.1).
    if (saves) view.saved = [];
    return found;
  }
  const entries = sortEntries(await sortEntriesOf(session, found, byUid), query.criteria);
  if (query.returns) {
    const metaOf = new Map(found.map((m) => [m.seq, m.meta]));
    const hits: (SearchHit & { uid: number })[] = entries.map((e) => ({ number: e.id, uid: metaOf.get(e.seq)!.uid, modSeq: metaOf.get(e.seq)!.modSeq }));
    const withModSeq = usesModSeq(query.key);
    if (withModSeq) await session.enableCondstore();
    // `$` is a set: its order is the mailbox's whatever the sort (RFC 5182 2.1).
    if (saves) view.saved = coveredHits(hits, query.returns).map((h) => h.uid).sort((a, b) => a - b);
    const refused = addContext(session, tag, { byUid, key: query.key, criteria: query.criteria, returns: query.returns }, hits.map((h) => h.uid), at);
    if (refused) await session.untagged(refused);
    const line = esearchResponse(tag, byUid, query.returns, hits, withModSeq, true);
    if (line) await session.untagged(line);
  } else {
    await session.untagged(`SORT${entries.map((e) => ` ${e.id}`).join('')}`);
  }
  return ok('SORT completed');
}

/** RFC 5256 section 3 SORT; like SEARCH, no EXPUNGE may be sent while it runs. */
export default command({
  states: ['selected'],
  expunges: false,
  parse: parseSort,
  run: (session, query, tag) => runSort(session, query, false, tag),
});

/** UID SORT answers UIDs. */
export const uidSort = command({
  states: ['selected'],
  parse: parseSort,
  run: (session, query, tag) => runSort(session, query, true, tag),
});
