import { mailbox as encodeMailbox } from '../encoder.ts';
import type { Parser } from '../parser.ts';
import { parseSearch, usesModSeq, type SearchQuery } from '../search-query.ts';
import { coveredHits, esearchResponse, type SearchHit } from '../search-return.ts';
import { charsetRefusal, searchMessages, type SearchSource } from '../search-run.ts';
import { onlySelected, parseSources, sourceMailboxes, type SourceFilter } from '../search-source.ts';
import { bad, command, ok } from '../command.ts';

interface EsearchArgs {
  /** null: no IN, the selected mailbox. */
  sources: SourceFilter[] | null;
  query: SearchQuery;
}

/** `ESEARCH [SP "IN" SP source-opts] [SP RETURN (...)] [SP CHARSET x] SP keys` (RFC 7377 6). */
function parseEsearch(p: Parser): EsearchArgs {
  let sources: SourceFilter[] | null = null;
  if (p.take(' IN ')) sources = parseSources(p);
  return { sources, query: parseSearch(p) };
}

/**
 * RFC 7377 MULTISEARCH: one search over several mailboxes of the account, answered
 * by UID with MAILBOX and UIDVALIDITY beside the TAG, one ESEARCH per mailbox with
 * matches. One `imap.search_cost` budget covers all the mailboxes together.
 */
export default command({
  states: ['authenticated', 'selected'],
  expunges: false,
  parse: parseEsearch,
  async run(session, { sources, query }, tag) {
    const view = session.view;
    const returns = query.returns ?? { options: ['ALL'], partial: null };
    const saves = returns.options.includes('SAVE');
    if (saves && (!view || (sources !== null && !onlySelected(sources)))) return bad('SAVE only with the selected mailbox as the only source');
    if (!sources && !view) return bad('No mailbox selected: name the mailboxes with IN');
    const refusal = charsetRefusal(query.charset);
    if (refusal) return refusal;
    const all = await session.deps.store.listMailboxes(session.account!.id);
    const mailboxes = sources ? sourceMailboxes(sources, all, view?.mailbox.id ?? null) : [view!.mailbox];
    const withModSeq = usesModSeq(query.key);
    if (withModSeq) await session.enableCondstore();
    const cost = { spent: 0 };
    for (const mailbox of mailboxes) {
      const selected = view?.mailbox.id === mailbox.id;
      const source: SearchSource | undefined = selected ? undefined : { mailboxId: mailbox.id, uids: (await session.deps.store.messageStates(mailbox.id)).map((m) => m.uid), saved: [] };
      const found = await searchMessages(session, query.key, { source, cost });
      if (!Array.isArray(found)) return found;
      const hits: SearchHit[] = found.map(({ meta }) => ({ number: meta.uid, modSeq: meta.modSeq }));
      if (selected && saves) view.saved = coveredHits(hits, returns).map((h) => h.number);
      if (hits.length === 0) continue;
      const line = esearchResponse(tag, true, returns, hits, withModSeq);
      if (line) await session.untagged(withCorrelators(line, `MAILBOX ${encodeMailbox(mailbox.name, session.utf8)} UIDVALIDITY ${mailbox.uidValidity}`));
    }
    return ok('ESEARCH completed');
  },
});

/** `ESEARCH (TAG "t") ...` with more search correlators inside the parentheses (tags hold no ")"). */
const withCorrelators = (line: string, more: string): string => line.replace(')', ` ${more})`);
