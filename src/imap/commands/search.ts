import { matches } from '../search-eval.ts';
import { parseSearch, SEARCH_CHARSETS, usesModSeq, type SearchQuery } from '../search-query.ts';
import { coveredHits, esearchResponse, type SearchHit } from '../search-return.ts';
import { searchSubject } from '../search-subject.ts';
import { command, no, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';

/** Records are read this many at a time. */
const BATCH = 500;

/**
 * RFC 3501 6.4.4 over the messages the client knows, with MODSEQ (RFC 7162 3.1.5),
 * ESEARCH results (RFC 4731) and SAVE (RFC 5182). Text keys match
 * case-insensitively in the decoded header values and the stored search text.
 */
async function runSearch(session: ImapSession, query: SearchQuery, byUid: boolean, tag: string): Promise<Outcome> {
  const view = session.view!;
  const saves = query.returns?.includes('SAVE') ?? false;
  if (query.charset !== null && !SEARCH_CHARSETS.includes(query.charset)) {
    // A failed SEARCH with SAVE empties `$` (RFC 5182 2.1).
    if (saves) view.saved = [];
    return no(`Charset ${query.charset} is not supported`, `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`);
  }
  const store = session.deps.store;
  const scope = { maxSeq: view.exists, maxUid: view.uids[view.uids.length - 1] ?? 0, saved: new Set(view.savedUids()) };
  const hits: (SearchHit & { uid: number })[] = [];
  const uids = [...view.uids];
  for (let i = 0; i < uids.length; i += BATCH) {
    const messages = await store.getMessages(view.mailbox.id, uids.slice(i, i + BATCH));
    for (const [j, meta] of messages.entries()) {
      if (!meta || !(await matches(query.key, searchSubject(store, i + j + 1, meta), scope))) continue;
      hits.push({ number: byUid ? meta.uid : i + j + 1, uid: meta.uid, modSeq: meta.modSeq });
    }
  }
  const withModSeq = usesModSeq(query.key);
  if (withModSeq) session.condstore = true;
  if (query.returns) {
    if (saves) view.saved = coveredHits(hits, query.returns).map((h) => h.uid);
    const line = esearchResponse(tag, byUid, query.returns, hits, withModSeq);
    if (line) await session.untagged(line);
  } else {
    const modseq = withModSeq && hits.length > 0 ? ` (MODSEQ ${Math.max(...hits.map((h) => h.modSeq))})` : '';
    await session.untagged(`SEARCH${hits.map((h) => ` ${h.number}`).join('')}${modseq}`);
  }
  return ok('SEARCH completed');
}

/** RFC 3501 6.4.4. */
export default command({
  states: ['selected'],
  expunges: false,
  parse: parseSearch,
  run: (session, query, tag) => runSearch(session, query, false, tag),
});

/** RFC 3501 6.4.8: SEARCH answering UIDs. */
export const uidSearch = command({
  states: ['selected'],
  parse: parseSearch,
  run: (session, query, tag) => runSearch(session, query, true, tag),
});
