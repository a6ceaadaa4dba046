import { parseMailboxArgument } from '../mailbox-name.ts';
import { command, ok } from '../command.ts';
import { storeRefusal } from '../store-error.ts';

/** RFC 3501 6.3.6: only existing mailboxes can be subscribed. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseMailboxArgument,
  async run(session, name) {
    try {
      await session.deps.store.setSubscribed(session.account!.id, name, true);
    } catch (err) {
      return storeRefusal(err);
    }
    return ok('SUBSCRIBE completed');
  },
});
