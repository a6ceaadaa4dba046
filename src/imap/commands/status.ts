import type { Mailbox } from '../../store/types.ts';
import { mailbox as encodeName } from '../encoder.ts';
import { parseMailboxName } from '../mailbox-name.ts';
import { mailboxId } from '../object-id.ts';
import { ParseError, type Parser } from '../parser.ts';
import { command, no, ok } from '../command.ts';

const ITEMS: Record<string, (m: Mailbox) => number | string> = {
  MESSAGES: (m) => m.messages,
  RECENT: () => 0,
  UIDNEXT: (m) => m.uidNext,
  UIDVALIDITY: (m) => m.uidValidity,
  UNSEEN: (m) => m.unseen,
  HIGHESTMODSEQ: (m) => m.highestModSeq,
  SIZE: (m) => m.size,
  MAILBOXID: (m) => `(${mailboxId(m)})`,
};

/** `(status-att *(SP status-att))`; shared with LIST RETURN (STATUS ...) (RFC 5819). */
export function parseStatusItems(p: Parser): string[] {
  return p.list(() => {
    const item = p.keyword();
    if (!(item in ITEMS)) throw new ParseError(`unknown STATUS item ${item}`);
    return item;
  }, false);
}

/** `STATUS name (item value ...)`, from the mailbox record alone. */
export const statusResponse = (mailbox: Mailbox, items: readonly string[]): string =>
  `STATUS ${encodeName(mailbox.name)} (${items.map((item) => `${item} ${ITEMS[item]!(mailbox)}`).join(' ')})`;

/** RFC 3501 6.3.10, with HIGHESTMODSEQ (RFC 7162), SIZE (RFC 8438) and MAILBOXID (RFC 8474), from the mailbox record alone. */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const name = parseMailboxName(p);
    p.sp();
    const items = parseStatusItems(p);
    p.end();
    return { name, items };
  },
  async run(session, { name, items }) {
    const mailbox = await session.deps.store.getMailbox(session.account!.id, name);
    if (!mailbox) return no(`No mailbox named ${name}`, 'NONEXISTENT');
    if (items.includes('HIGHESTMODSEQ')) session.condstore = true;
    await session.untagged(statusResponse(mailbox, items));
    return ok('STATUS completed');
  },
});
