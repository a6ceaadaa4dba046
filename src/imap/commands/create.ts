import type { SpecialUse } from '../../store/types.ts';
import { mailboxListing } from '../list-entry.ts';
import { newNameProblem, parentsOf, parseNamedMailbox, SEPARATOR } from '../mailbox-name.ts';
import type { Parser } from '../parser.ts';
import { mailboxId } from '../object-id.ts';
import { command, no, ok } from '../command.ts';
import { storeRefusal } from '../store-error.ts';

/** What CREATE-SPECIAL-USE can set: the store keeps one real use per mailbox; \All and \Flagged would be virtual. */
const CREATABLE_USES = new Set<string>(['\\Sent', '\\Drafts', '\\Trash', '\\Junk', '\\Archive']);

/** `mailbox [SP "(" "USE" SP "(" use-attr *(SP use-attr) ")" ")"]` (RFC 6154 5.2). */
export function parseCreate(p: Parser): { name: string; supplied: string | null; uses: string[] } {
  p.sp();
  const { name, supplied } = parseNamedMailbox(p);
  let uses: string[] = [];
  if (p.take(' ')) {
    p.expect('(');
    p.enter();
    p.expect('USE ');
    uses = p.list(() => p.flag());
    p.expect(')');
    p.leave();
  }
  p.end();
  return { name: name.endsWith(SEPARATOR) ? name.slice(0, -1) : name, supplied, uses };
}

/** RFC 3501 6.3.3 with CREATE-SPECIAL-USE and MAILBOXID (RFC 8474). A trailing separator is dropped; missing parents are created too. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseCreate,
  async run(session, { name, supplied, uses }) {
    const problem = newNameProblem(name);
    if (problem) return no(problem, 'CANNOT');
    const known = uses.map((u) => [...CREATABLE_USES].find((c) => c.toLowerCase() === u.toLowerCase()));
    if (known.length > 1 || known.some((u) => u === undefined)) {
      return no(`A mailbox can have one of ${[...CREATABLE_USES].join(' ')}`, 'USEATTR');
    }
    const specialUse = (known[0] ?? null) as SpecialUse | null;
    const store = session.deps.store;
    const accountId = session.account!.id;
    try {
      for (const parent of parentsOf(name)) {
        if (!(await store.getMailbox(accountId, parent))) await store.createMailbox(accountId, parent);
      }
      const created = await store.createMailbox(accountId, name, { specialUse });
      // A name the client sent denormalized was created in NFC: IMAP4rev2 says so (RFC 9051 6.3.4).
      if (session.rev2 && supplied !== null) await session.untagged(await mailboxListing(session, name, supplied));
      return ok('CREATE completed', `MAILBOXID (${mailboxId(created)})`);
    } catch (err) {
      return storeRefusal(err);
    }
  },
});
