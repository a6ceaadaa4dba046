import type { Mailbox } from '../../store/types.ts';
import { listAttributes, listLine } from '../list-entry.ts';
import { hierarchy, patternMatcher } from '../list-pattern.ts';
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
    const showSubscribed = select.subscribed || returns.subscribed;
    if (returns.status?.includes('HIGHESTMODSEQ')) session.condstore = true;
    const selected = (m: Mailbox | undefined): boolean => (!select.subscribed || !!m?.subscribed) && (!select.specialUse || !!m?.specialUse);
    for (const entry of hierarchy(mailboxes.map((m) => m.name))) {
      if (!matchers.some((matches) => matches(entry.name))) continue;
      const mailbox = byName.get(entry.name);
      // RECURSIVEMATCH (RFC 5258 3.5): a name is also listed for a selected child, and says so in CHILDINFO.
      const childSelected = select.recursiveMatch && select.subscribed && mailboxes.some((m) => m.subscribed && m.name.startsWith(`${entry.name}${SEPARATOR}`));
      if (!selected(mailbox) && !childSelected) continue;
      const extended = childSelected ? ' ("CHILDINFO" ("SUBSCRIBED"))' : '';
      await session.untagged(listLine(session, entry.name, listAttributes(session, entry, mailbox, showSubscribed), extended));
      if (returns.status && mailbox) await session.untagged(await statusResponse(session.deps.store, mailbox, returns.status, session.utf8));
    }
    return ok('LIST completed');
  },
});
