import { parseMessageSet, resolve } from '../message-set.ts';
import { command, no } from '../command.ts';
import { expunged } from '../expunged-code.ts';
import { limitUids, withCut } from '../message-limit.ts';

/**
 * RFC 4315 2.1: EXPUNGE limited to the given UIDs (or `$`, RFC 5182). MESSAGELIMIT
 * counts the \Deleted ones: past it the highest go (RFC 9738 3.1).
 */
export default command({
  states: ['selected'],
  parse(p) {
    p.sp();
    const set = parseMessageSet(p, true);
    p.end();
    return set;
  },
  async run(session, set) {
    const view = session.view!;
    if (view.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
    const messages = await session.deps.store.getMessages(view.mailbox.id, resolve(view, set));
    const { uids: deleted, cut } = limitUids(session, messages.filter((m) => m?.flags.includes('\\Deleted')).map((m) => m!.uid), 'UID EXPUNGE');
    if (deleted.length > 0) await session.deps.store.expunge(view.mailbox.id, deleted);
    return withCut(session, expunged(session, 'UID EXPUNGE completed'), cut);
  },
});
