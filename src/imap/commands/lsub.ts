import { mailbox as encodeName } from '../encoder.ts';
import { patternMatcher } from '../list-pattern.ts';
import { SEPARATOR } from '../mailbox-name.ts';
import { command, ok } from '../command.ts';
import { parseListArgs } from './list.ts';

/** RFC 3501 6.3.9: the subscribed mailboxes that match. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseListArgs,
  async run(session, { reference, pattern }) {
    const matches = patternMatcher(reference, pattern);
    const mailboxes = await session.deps.store.listMailboxes(session.account!.id);
    for (const mailbox of mailboxes.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (mailbox.subscribed && matches(mailbox.name)) await session.untagged(`LSUB () "${SEPARATOR}" ${encodeName(mailbox.name, session.utf8)}`);
    }
    return ok('LSUB completed');
  },
});
