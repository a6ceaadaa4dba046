import type { Mailbox } from '../../store/types.ts';
import { listAttributes, listLine } from '../list-entry.ts';
import { byListOrder, hierarchy, patternMatcher, type ListEntry } from '../list-pattern.ts';
import { parseListQuery } from '../list-query.ts';
import { mailboxText, SEPARATOR } from '../mailbox-name.ts';
import type { Parser } from '../parser.ts';
import { command, ok } from '../command.ts';
import { parseStatusItems, statusResponse } from './status.ts';

/** reference SP list-mailbox, both in modified UTF-7; LSUB's arguments. */
export function parseListArgs(p: Parser): { reference: string; pattern: string } {
  p.sp();
  const reference = mailboxText(p, p.astring());
  p.sp();
  const pattern = mailboxText(p, p.listMailbox());
  p.end();
  return { reference, pattern };
}

/** Subscribed names that are neither a mailbox nor implied by one. */
function gone(entries: ListEntry[], subscriptions: Set<string>): (ListEntry & { gone: true })[] {
  const listed = new Set(entries.map((e) => e.name));
  return [...subscriptions].filter((name) => !listed.has(name)).map((name) => ({ name, exists: false, hasChildren: false, gone: true }));
}

/**
 * RFC 3501 6.3.8 with CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154) attributes,
 * the extended syntax of LIST-EXTENDED (RFC 5258) and STATUS in LIST (RFC 5819).
 * Special-use and children attributes are always given; `\Subscribed` when asked.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse: (p) => parseListQuery(p, parseStatusItems),
  async run(session, { select, reference, patterns, returns }) {
    if (patterns.length === 1 && patterns[0] === '' && !select.subscribed && !select.specialUse) {
      await session.untagged(`LIST (\\Noselect) "${SEPARATOR}" ""`);
      return ok('LIST completed');
    }
    const mailboxes = await session.deps.store.listMailboxes(session.account!.id);
    const byName = new Map<string, Mailbox>(mailboxes.map((m) => [m.name, m]));
    const matchers = patterns.map((pattern) => patternMatcher(reference, pattern));
    const matched = (name: string) => matchers.some((matches) => matches(name));
    const showSubscribed = select.subscribed || returns.subscribed;
    const subscriptions = new Set(showSubscribed ? await session.deps.store.listSubscriptions(session.account!.id) : []);
    if (returns.status?.includes('HIGHESTMODSEQ')) await session.enableCondstore();
    const selected = (name: string): boolean => (!select.subscribed || subscriptions.has(name)) && (!select.specialUse || !!byName.get(name)?.specialUse);
    const entries = hierarchy(mailboxes.map((m) => m.name));
    // RFC 5258 3.1: a subscribed name whose mailbox is gone is listed too, \NonExistent.
    if (select.subscribed) entries.push(...gone(entries, subscriptions));
    for (const entry of entries.sort((a, b) => byListOrder(a.name, b.name))) {
      if (!matched(entry.name)) continue;
      const mailbox = byName.get(entry.name);
      // RECURSIVEMATCH (RFC 5258 3.5): a name is also listed for a selected child that no pattern lists itself, and says so in CHILDINFO.
      const childSelected = select.recursiveMatch && select.subscribed && [...subscriptions].some((name) => name.startsWith(`${entry.name}${SEPARATOR}`) && !matched(name));
      if (!selected(entry.name) && !childSelected) continue;
      const extended = childSelected ? ' ("CHILDINFO" ("SUBSCRIBED"))' : '';
      const attributes = 'gone' in entry ? ['\\NonExistent', '\\Subscribed'] : listAttributes(session, entry, mailbox, subscriptions.has(entry.name));
      await session.untagged(listLine(session, entry.name, attributes, extended));
      if (returns.status && mailbox) await session.untagged(await statusResponse(session.deps.store, mailbox, returns.status, session.utf8));
    }
    return ok('LIST completed');
  },
});
