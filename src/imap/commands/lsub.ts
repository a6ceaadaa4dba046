import { mailbox as encodeName } from '../encoder.ts';
import { byListOrder, patternMatcher } from '../list-pattern.ts';
import { parentsOf, SEPARATOR } from '../mailbox-name.ts';
import { command, ok } from '../command.ts';
import { parseListArgs } from './list.ts';

/**
 * RFC 3501 6.3.9: the subscribed names that match, whether their mailbox exists or not.
 * An unsubscribed parent of a subscribed name the pattern does not reach (`%`) is
 * listed \Noselect in its place.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseListArgs,
  async run(session, { reference, pattern }) {
    const matches = patternMatcher(reference, pattern);
    const subscribed = new Set(await session.deps.store.listSubscriptions(session.account!.id));
    const listed = new Map<string, string>();
    for (const name of subscribed) {
      if (matches(name)) listed.set(name, '()');
      else for (const parent of parentsOf(name)) if (!subscribed.has(parent) && matches(parent)) listed.set(parent, '(\\Noselect)');
    }
    for (const [name, attributes] of [...listed].sort(([a], [b]) => byListOrder(a, b))) {
      await session.untagged(`LSUB ${attributes} "${SEPARATOR}" ${encodeName(name, session.utf8)}`);
    }
    return ok('LSUB completed');
  },
});
