import { matches } from '../search-eval.ts';
import { parseSearch, SEARCH_CHARSETS, usesModSeq, type SearchQuery } from '../search-query.ts';
import { searchSubject } from '../search-subject.ts';
import { command, no, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';

/** Records are read this many at a time. */
const BATCH = 500;

/**
 * RFC 3501 6.4.4 over the messages the client knows, with MODSEQ (RFC 7162 3.1.5).
 * Text keys match case-insensitively in the decoded header values and the stored search text.
 */
async function runSearch(session: ImapSession, query: SearchQuery, byUid: boolean): Promise<Outcome> {
  if (query.charset !== null && !SEARCH_CHARSETS.includes(query.charset)) {
    return no(`Charset ${query.charset} is not supported`, `BADCHARSET (${SEARCH_CHARSETS.join(' ')})`);
  }
  const view = session.view!;
  const store = session.deps.store;
  const scope = { maxSeq: view.exists, maxUid: view.uids[view.uids.length - 1] ?? 0 };
  const found: number[] = [];
  let highest = 0;
  const uids = [...view.uids];
  for (let i = 0; i < uids.length; i += BATCH) {
    const messages = await store.getMessages(view.mailbox.id, uids.slice(i, i + BATCH));
    for (const [j, meta] of messages.entries()) {
      if (!meta || !(await matches(query.key, searchSubject(store, i + j + 1, meta), scope))) continue;
      found.push(byUid ? meta.uid : i + j + 1);
      highest = Math.max(highest, meta.modSeq);
    }
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
