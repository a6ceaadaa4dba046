import { parseMailboxName } from '../mailbox-name.ts';
import { command, ok } from '../command.ts';
import { storeRefusal } from '../store-error.ts';

/** RFC 3501 6.3.7. */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const name = parseMailboxName(p);
    p.end();
    return name;
  },
  async run(session, name) {
    try {
      await session.deps.store.setSubscribed(session.account!.id, name, false);
    } catch (err) {
      return storeRefusal(err);
    }
    return ok('UNSUBSCRIBE completed');
  },
});
