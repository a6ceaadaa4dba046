import { parentsOf, parseMailboxName, SEPARATOR } from '../mailbox-name.ts';
import { mailboxId } from '../object-id.ts';
import { command, no, ok } from '../command.ts';
import { storeRefusal } from '../store-error.ts';

/** RFC 3501 6.3.3, with MAILBOXID (RFC 8474). A trailing separator is dropped; missing parents are created too. */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const name = parseMailboxName(p);
    p.end();
    return name.endsWith(SEPARATOR) ? name.slice(0, -1) : name;
  },
  async run(session, name) {
    if (/[*%]/.test(name)) return no('Mailbox names cannot contain * or %', 'CANNOT');
    const store = session.deps.store;
    const accountId = session.account!.id;
    try {
      for (const parent of parentsOf(name)) {
        if (!(await store.getMailbox(accountId, parent))) await store.createMailbox(accountId, parent);
      }
      const created = await store.createMailbox(accountId, name);
      return ok('CREATE completed', `MAILBOXID (${mailboxId(created)})`);
    } catch (err) {
      return storeRefusal(err);
    }
  },
});
