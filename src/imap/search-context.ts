import type { Uid } from '../store/types.ts';
import { bad, no, type Outcome } from './command.ts';
import { str } from './encoder.ts';
import type { MailboxView } from './mailbox-view.ts';
import { searchMessages, sortEntriesOf } from './search-run.ts';
import type { SearchKey } from './search-query.ts';
import type { SearchReturn } from './search-return.ts';
import { orderedSet } from './sequence-set.ts';
import type { ImapSession } from './session.ts';
import { sortEntries } from './sort-order.ts';
import type { SortCriterion } from './sort-query.ts';

/**
 * Update contexts one selected mailbox keeps at once (design rule 8): each is searched
 * again after every change, so a client registering many would multiply that work.
 */
export const MAX_CONTEXTS = 4;

/** A `SEARCH`/`SORT RETURN (UPDATE)` whose result the client is kept told of (RFC 5267 section 4). */
interface UpdateContext {
  tag: string;
  byUid: boolean;
  key: SearchKey;
  /** The sort criteria for a SORT context, null for SEARCH (mailbox order). */
  criteria: SortCriterion[] | null;
  returns: SearchReturn;
  /** The result in its order, by UID: numbers change on expunge, UIDs do not. */
  uids: Uid[];
  /** The view's HIGHESTMODSEQ and message count the result was taken at. */
  modSeq: number;
  exists: number;
}

/** The contexts live as long as the selection: a new SELECT makes a new view, and these go with the old one. */
const contexts = new WeakMap<MailboxView, Map<string, UpdateContext>>();

function of(view: MailboxView): Map<string, UpdateContext> {
  let map = contexts.get(view);
  if (!map) contexts.set(view, (map = new Map()));
  return map;
}

/**
 * Why a SEARCH or SORT with UPDATE cannot start, or null. A tag names one context
 * (RFC 5267 4.2); PARTIAL and SAVE results are not kept up to date here (see docs/imap.md).
 */
export function contextRefusal(view: MailboxView, tag: string, returns: SearchReturn | null): Outcome | null {
  if (!returns?.options.includes('UPDATE')) return null;
  if (of(view).has(tag)) return bad(`Tag ${tag} already names an update context`);
  if (returns.partial || returns.options.includes('SAVE')) return no('UPDATE cannot be combined with PARTIAL or SAVE', 'CANNOT');
  return null;
}

export const cancelContext = (view: MailboxView, tag: string): boolean => of(view).delete(tag);

/**
 * Keeps the result of `tag` up to date from now on (`at`: the view's HIGHESTMODSEQ
 * before the search ran, so a change made during it is looked at again), or answers the untagged
 * `NO [NOUPDATE "tag"]` of RFC 5267 4.2 when the mailbox holds its share of contexts.
 */
export function addContext(session: ImapSession, tag: string, query: { byUid: boolean; key: SearchKey; criteria: SortCriterion[] | null; returns: SearchReturn }, uids: Uid[], at: number): string | null {
  if (!query.returns.options.includes('UPDATE')) return null;
  const view = session.view!;
  const map = of(view);
  if (map.size >= MAX_CONTEXTS) {
    session.log.warn({ ip: session.ip, user: session.account?.address, reason: 'update-contexts', limit: MAX_CONTEXTS }, 'search context refused');
    return `NO [NOUPDATE ${str(tag)}] At most ${MAX_CONTEXTS} update contexts per mailbox`;
  }
  map.set(tag, { tag, ...query, uids, modSeq: at, exists: view.exists });
  return null;
}

/** Search-cost units of re-sorting one match: measured at about 0.3 ms, as much as 1,000 key evaluations. */
const SORT_COST_PER_MATCH = 1000;

/**
 * The untagged ESEARCH updates (`ADDTO`, `REMOVEFROM`, new `MIN`/`MAX`/`COUNT`) for every
 * context whose mailbox changed since its result was taken; sent only where EXPUNGE may
 * be, so that positions and numbers are those the client holds. A context whose new
 * search (and, for SORT, sort again) goes past what is left of one `imap.search_cost` shared
 * by all contexts of the round is dropped with `NO [NOUPDATE "tag"]`.
 */
export async function contextUpdates(session: ImapSession): Promise<string[]> {
  const view = session.view;
  if (!view) return [];
  const lines: string[] = [];
  // One budget for all the contexts of one round: a change must not cost more than one expensive SEARCH.
  const cost = { spent: 0 };
  for (const ctx of [...of(view).values()]) {
    if (ctx.modSeq === view.highestModSeq && ctx.exists === view.exists) continue;
    // Taken before searching: a change arriving meanwhile makes the next call look again.
    const modSeq = view.highestModSeq;
    const searched = await searchMessages(session, ctx.key, { cost });
    // Sorting again reads every match's sort data: charged like scanning its text.
    if (Array.isArray(searched) && ctx.criteria) cost.spent += searched.length * SORT_COST_PER_MATCH;
    const found = Array.isArray(searched) && cost.spent <= session.deps.searchCost ? searched : null;
    if (!found) {
      of(view).delete(ctx.tag);
      lines.push(`* NO [NOUPDATE ${str(ctx.tag)}] This search became too expensive to keep up to date\r\n`);
      continue;
    }
    let uids = found.map((m) => m.meta.uid);
    if (ctx.criteria) {
      const uidOf = new Map(found.map((m) => [m.seq, m.meta.uid]));
      uids = sortEntries(await sortEntriesOf(session, found, false), ctx.criteria).map((e) => uidOf.get(e.seq)!);
    }
    for (const line of changes(view, ctx, uids)) lines.push(`* ESEARCH (TAG ${str(ctx.tag)})${ctx.byUid ? ' UID' : ''} ${line}\r\n`);
    Object.assign(ctx, { uids, modSeq, exists: view.exists });
  }
  return lines;
}

/**
 * What the client must do to turn its copy of the result into `now`. Messages
 * gone from the mailbox leave a numbered result through their EXPUNGE, which the
 * client has already applied; a UID result is told of them too.
 */
function changes(view: MailboxView, ctx: UpdateContext, now: Uid[]): string[] {
  const id = (uid: Uid) => (ctx.byUid ? uid : view.seqOf(uid));
  const kept = new Set(now);
  let list: Uid[] = ctx.byUid ? [...ctx.uids] : ctx.uids.filter((uid) => view.seqOf(uid) > 0);
  const out: string[] = [];
  const { options } = ctx.returns;
  const withAll = options.includes('ALL');
  if (withAll) {
    // Removals from the end, so each position holds while the later ones are made.
    for (let i = list.length - 1; i >= 0; ) {
      if (kept.has(list[i]!)) {
        i--;
        continue;
      }
      let start = i;
      while (start > 0 && !kept.has(list[start - 1]!)) start--;
      out.push(`REMOVEFROM (${start + 1} ${orderedSet(list.slice(start, i + 1).map(id))})`);
      i = start - 1;
    }
  }
  if (withAll) {
    list = list.filter((uid) => kept.has(uid));
    // Additions in increasing position; each run of new messages goes in at its place in `now`.
    const had = new Set(list);
    for (let i = 0; i < now.length; ) {
      if (had.has(now[i]!)) {
        i++;
        continue;
      }
      let end = i;
      while (end + 1 < now.length && !had.has(now[end + 1]!)) end++;
      out.push(`ADDTO (${i + 1} ${orderedSet(now.slice(i, end + 1).map(id))})`);
      i = end + 1;
    }
  }
  // MIN, MAX and COUNT are said again whenever the result or its numbering moved.
  const moved = out.length > 0 || now.length !== ctx.uids.length || now.some((uid, i) => uid !== ctx.uids[i]) || (!ctx.byUid && view.exists < ctx.exists);
  const summary: string[] = [];
  if (moved && options.includes('MIN') && now.length > 0) summary.push(`MIN ${id(now[0]!)}`);
  if (moved && options.includes('MAX') && now.length > 0) summary.push(`MAX ${id(now.at(-1)!)}`);
  if (moved && options.includes('COUNT')) summary.push(`COUNT ${now.length}`);
  if (summary.length > 0) out.push(summary.join(' '));
  return out;
}
