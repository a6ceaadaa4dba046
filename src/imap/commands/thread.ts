import { Progress } from '../progress.ts';
import { charsetRefusal, searchMessages, sortEntriesOf } from '../search-run.ts';
import { encodeThreads, orderedSubject, references } from '../thread.ts';
import { parseThread, type ThreadQuery } from '../sort-query.ts';
import { command, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';

/** RFC 5256 THREAD with ORDEREDSUBJECT or REFERENCES over the matching messages. */
async function runThread(session: ImapSession, query: ThreadQuery, byUid: boolean, tag: string): Promise<Outcome> {
  const refusal = charsetRefusal(query.charset);
  if (refusal) return refusal;
  const found = await searchMessages(session, query.key, { progress: new Progress(session, tag, session.view!.exists) });
  if (!Array.isArray(found)) return found;
  const entries = await sortEntriesOf(session, found, byUid);
  const threads = query.algorithm === 'ORDEREDSUBJECT' ? orderedSubject(entries) : references(entries);
  const text = encodeThreads(threads);
  await session.untagged(text ? `THREAD ${text}` : 'THREAD');
  return ok('THREAD completed');
}

/** RFC 5256 section 3 THREAD; like SEARCH, no EXPUNGE may be sent while it runs. */
export default command({
  states: ['selected'],
  expunges: false,
  parse: parseThread,
  run: (session, query, tag) => runThread(session, query, false, tag),
});

/** UID THREAD answers UIDs. */
export const uidThread = command({
  states: ['selected'],
  parse: parseThread,
  run: (session, query, tag) => runThread(session, query, true, tag),
});
