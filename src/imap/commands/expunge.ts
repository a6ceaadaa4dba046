import { command, no } from '../command.ts';
import { expunged } from '../expunged-code.ts';

/** RFC 3501 6.4.3. The EXPUNGE responses come from the session's report of the change. */
export default command({
  states: ['selected'],
  parse: (p) => p.end(),
  async run(session) {
    const view = session.view!;
    if (view.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
    const messages = await session.deps.store.messageStates(view.mailbox.id);
    const deleted = messages.filter((m) => m.flags.includes('\\Deleted')).map((m) => m.uid);
    if (deleted.length > 0) await session.deps.store.expunge(view.mailbox.id, deleted);
    return expunged(session, 'EXPUNGE completed');
  },
});
