import { addContext, contextRefusal } from '../search-context.ts';
import { str } from '../encoder.ts';
import { limitUids, withCut } from '../message-limit.ts';
import { Progress } from '../progress.ts';
import { searchedUids } from '../search-scope.ts';
import { charsetRefusal, searchMessages } from '../search-run.ts';
import { parseSearch, usesModSeq, type SearchQuery } from '../search-query.ts';
import { coveredHits, esearchResponse, type SearchHit } from '../search-return.ts';
import { command, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';

/**
 * RFC 3501 6.4.4 over the messages the client knows, with MODSEQ (RFC 7162 3.1.5),
 * ESEARCH results (RFC 4731, always with IMAP4rev2), SAVE (RFC 5182) and PARTIAL (RFC 9394). Text keys match
 * case-insensitively in the decoded header values and the stored search text.
 */
async function runSearch(session: ImapSession, query: SearchQuery, byUid: boolean, tag: string): Promise<Outcome> {
  const view = session.view!;
  const saves = query.returns?.options.includes('SAVE') ?? false;
  const refusal = charsetRefusal(query.charset) ?? contextRefusal(view, tag, query.returns);
  const at = view.highestModSeq;
  if (refusal) {
    // A failed SEARCH with SAVE empties `$` (RFC 5182 2.1).
    if (saves) view.saved = [];
    return refusal;
  }
  // MESSAGELIMIT counts the messages searched; past it the highest are (RFC 9738 3.1), and `$` keeps what they matched (3.4).
  const { uids: searched, cut } = limitUids(session, searchedUids(query.key, view.uids, new Set(view.savedUids())), byUid ? 'UID SEARCH' : 'SEARCH');
  const only = cut ? new Set(searched) : undefined;
  const found = await searchMessages(session, query.key, { progress: new Progress(session, tag, only?.size ?? view.exists), only });
  if (!Array.isArray(found)) {
    if (saves) view.saved = [];
    return found;
  }
  const hits: (SearchHit & { uid: number })[] = found.map(({ seq, meta }) => ({
    number: byUid ? meta.uid : seq,
    uid: meta.uid,
    modSeq: meta.modSeq,
  }));
  const withModSeq = usesModSeq(query.key);
  if (withModSeq) await session.enableCondstore();
  // IMAP4rev2 answers every SEARCH with ESEARCH; no RETURN means ALL (RFC 9051 6.4.4).
  const returns = query.returns ?? (session.rev2 ? { options: ['ALL' as const], partial: null } : null);
  if (returns) {
    if (saves) view.saved = coveredHits(hits, returns).map((h) => h.uid);
    // A result cut at MESSAGELIMIT is not kept up to date: its updates would search the whole mailbox.
    const refused = cut && returns.options.includes('UPDATE') ? `NO [NOUPDATE ${str(tag)}] A search cut at MESSAGELIMIT is not kept up to date` : addContext(session, tag, { byUid, key: query.key, criteria: null, returns }, hits.map((h) => h.uid), at);
    if (refused) await session.untagged(refused);
    const line = esearchResponse(tag, byUid, returns, hits, withModSeq);
    if (line) await session.untagged(line);
  } else {
    const modseq = withModSeq && hits.length > 0 ? ` (MODSEQ ${Math.max(...hits.map((h) => h.modSeq))})` : '';
    await session.untagged(`SEARCH${hits.map((h) => ` ${h.number}`).join('')}${modseq}`);
  }
  return withCut(session, ok('SEARCH completed'), cut);
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
