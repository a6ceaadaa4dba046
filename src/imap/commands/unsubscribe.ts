import { parseMailboxArgument } from '../mailbox-name.ts';
import { command, ok } from '../command.ts';
import { storeRefusal } from '../store-error.ts';

/** RFC 3501 6.3.7. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseMailboxArgument,
  async run(session, name) {
    try {
      await session.deps.store.setSubscribed(session.account!.id, name, false);
    } catch (err) {
      return storeRefusal(err);
    }
    return ok('UNSUBSCRIBE completed');
  },
});
