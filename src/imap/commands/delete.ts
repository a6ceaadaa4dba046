import { parseMailboxArgument } from '../mailbox-name.ts';
import { command, no, ok } from '../command.ts';
import { storeRefusal } from '../store-error.ts';

/**
 * RFC 3501 6.3.4. A mailbox with children loses its messages and itself, and
 * its name stays, listed as \Noselect, for as long as the children exist.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseMailboxArgument,
  async run(session, name) {
    if (name === 'INBOX') return no('INBOX cannot be deleted', 'CANNOT');
    try {
      await session.deps.store.deleteMailbox(session.account!.id, name, { keepChildren: true });
    } catch (err) {
      return storeRefusal(err);
    }
    return ok('DELETE completed');
  },
});
