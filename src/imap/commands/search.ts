import { charsetRefusal, searchMessages } from '../search-run.ts';
import { parseSearch, usesModSeq, type SearchQuery } from '../search-query.ts';
import { command, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';

/**
 * RFC 3501 6.4.4 over the messages the client knows, with MODSEQ (RFC 7162 3.1.5).
 * Text keys match case-insensitively in the decoded header values and the stored search text.
 */
async function runSearch(session: ImapSession, query: SearchQuery, byUid: boolean): Promise<Outcome> {
  const refusal = charsetRefusal(query.charset);
  if (refusal) return refusal;
  const found: number[] = [];
  let highest = 0;
  for (const { seq, meta } of await searchMessages(session, query.key)) {
    found.push(byUid ? meta.uid : seq);
    highest = Math.max(highest, meta.modSeq);
  }
  const withModSeq = usesModSeq(query.key);
  if (withModSeq) session.condstore = true;
  const modseq = withModSeq && found.length > 0 ? ` (MODSEQ ${highest})` : '';
  await session.untagged(`SEARCH${found.map((n) => ` ${n}`).join('')}${modseq}`);
  return ok('SEARCH completed');
}

/** RFC 3501 6.4.4. */
export default command({
  states: ['selected'],
  expunges: false,
  parse: parseSearch,
  run: (session, query) => runSearch(session, query, false),
});

/** RFC 3501 6.4.8: SEARCH answering UIDs. */
export const uidSearch = command({
  states: ['selected'],
  parse: parseSearch,
  run: (session, query) => runSearch(session, query, true),
});
