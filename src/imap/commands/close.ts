import { command, ok } from '../command.ts';

/** RFC 3501 6.4.2: expunges \Deleted messages silently (not in EXAMINE) and deselects. */
export default command({
  states: ['selected'],
  parse: (p) => p.end(),
  async run(session) {
    const view = session.view!;
    if (!view.readOnly) {
      const messages = await session.deps.store.messageStates(view.mailbox.id);
      const deleted = messages.filter((m) => m.flags.includes('\\Deleted')).map((m) => m.uid);
      if (deleted.length > 0) await session.deps.store.expunge(view.mailbox.id, deleted);
    }
    session.deselect();
    return ok('CLOSE completed');
  },
});
