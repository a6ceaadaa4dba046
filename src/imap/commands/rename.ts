import { mailboxListing } from '../list-entry.ts';
import { newNameProblem, parentsOf, parseMailboxName } from '../mailbox-name.ts';
import { command, no, ok } from '../command.ts';
import { storeRefusal } from '../store-error.ts';

/**
 * RFC 3501 6.3.5: children follow their parent. Renaming INBOX moves its messages
 * to the new mailbox and leaves INBOX empty (no OLDNAME then: INBOX stays). Under
 * IMAP4rev2 a renamed mailbox is listed with its old name as OLDNAME (RFC 9051 6.3.6).
 */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const from = parseMailboxName(p);
    p.sp();
    const to = parseMailboxName(p);
    p.end();
    return { from, to };
  },
  async run(session, { from, to }) {
    const problem = newNameProblem(to);
    if (problem) return no(problem, 'CANNOT');
    const store = session.deps.store;
    const accountId = session.account!.id;
    try {
      if (to === 'INBOX' || to.startsWith('INBOX/')) return no('INBOX already exists', 'ALREADYEXISTS');
      for (const parent of parentsOf(to)) {
        if (!(await store.getMailbox(accountId, parent))) await store.createMailbox(accountId, parent);
      }
      if (from !== 'INBOX') {
        await store.renameMailbox(accountId, from, to);
        if (session.rev2) await session.untagged(await mailboxListing(session, to, from));
        return ok('RENAME completed');
      }
      const inbox = (await store.getMailbox(accountId, 'INBOX'))!;
      const target = await store.createMailbox(accountId, to);
      const uids = (await store.messageStates(inbox.id)).map((m) => m.uid);
      const moved = await store.moveMessages(inbox.id, uids, target.id);
      if (!moved.ok) return no(moved.detail, 'SERVERBUG');
    } catch (err) {
      return storeRefusal(err);
    }
    return ok('RENAME completed');
  },
});
