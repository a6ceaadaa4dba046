import { charsetRefusal, searchMessages, sortEntriesOf } from '../search-run.ts';
import { sortEntries } from '../sort-order.ts';
import { parseSort, type SortQuery } from '../sort-query.ts';
import { command, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';

/** RFC 5256 SORT (with RFC 5957 DISPLAYFROM and DISPLAYTO): the matching messages in the order the criteria give. */
async function runSort(session: ImapSession, query: SortQuery, byUid: boolean): Promise<Outcome> {
  const refusal = charsetRefusal(query.charset);
  if (refusal) return refusal;
  const found = await searchMessages(session, query.key);
  if (!Array.isArray(found)) return found;
  const entries = await sortEntriesOf(session, found, byUid);
  await session.untagged(`SORT${sortEntries(entries, query.criteria).map((e) => ` ${e.id}`).join('')}`);
  return ok('SORT completed');
}

/** RFC 5256 section 3 SORT; like SEARCH, no EXPUNGE may be sent while it runs. */
export default command({
  states: ['selected'],
  expunges: false,
  parse: parseSort,
  run: (session, query) => runSort(session, query, false),
});

/** UID SORT answers UIDs. */
export const uidSort = command({
  states: ['selected'],
  parse: parseSort,
  run: (session, query) => runSort(session, query, true),
});
