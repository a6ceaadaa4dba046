import { flagList } from '../encoder.ts';
import { PERMANENT_FLAGS, SYSTEM_FLAGS } from '../flags.ts';
import { MailboxView } from '../mailbox-view.ts';
import { parseMailboxName } from '../mailbox-name.ts';
import { mailboxId } from '../object-id.ts';
import { ParseError, type Parser } from '../parser.ts';
import { command, no, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';

/** `mailbox [(CONDSTORE)]` (RFC 3501 6.3.1, RFC 7162 3.1.8). */
export function parseSelect(p: Parser): { name: string; condstore: boolean } {
  p.sp();
  const name = parseMailboxName(p);
  let condstore = false;
  if (!p.atEnd) {
    p.sp();
    const params = p.list(() => p.keyword());
    for (const param of params) if (param !== 'CONDSTORE') throw new ParseError(`unknown SELECT parameter ${param}`);
    condstore = params.length > 0;
  }
  p.end();
  return { name, condstore };
}

/** SELECT and EXAMINE: the old mailbox is closed first, even when the new one cannot be opened. */
export async function selectMailbox(session: ImapSession, args: { name: string; condstore: boolean }, readOnly: boolean): Promise<Outcome> {
  if (session.deselect()) await session.untagged('OK [CLOSED] Previous mailbox closed');
  if (args.condstore) session.condstore = true;
  const mailbox = await session.deps.store.getMailbox(session.account!.id, args.name);
  if (!mailbox) return no(`No mailbox named ${args.name}`, 'NONEXISTENT');
  const { view, messages } = await MailboxView.open(session.deps.store, mailbox, readOnly);
  session.view = view;
  session.state = 'selected';
  const keywords = new Set<string>();
  for (const m of messages) for (const f of m.flags) if (!f.startsWith('\\')) keywords.add(f);
  const firstUnseen = messages.findIndex((m) => !m.flags.includes('\\Seen'));
  await session.untagged(`FLAGS ${flagList([...SYSTEM_FLAGS, ...keywords])}`);
  await session.untagged(readOnly ? 'OK [PERMANENTFLAGS ()] Read-only mailbox' : `OK [PERMANENTFLAGS ${PERMANENT_FLAGS}] Flags permitted`);
  await session.untagged(`${view.exists} EXISTS`);
  await session.untagged('0 RECENT');
  if (firstUnseen >= 0) await session.untagged(`OK [UNSEEN ${firstUnseen + 1}] First unseen message`);
  await session.untagged(`OK [UIDVALIDITY ${mailbox.uidValidity}] UIDs valid`);
  await session.untagged(`OK [UIDNEXT ${mailbox.uidNext}] Predicted next UID`);
  await session.untagged(`OK [HIGHESTMODSEQ ${mailbox.highestModSeq}] Highest`);
  await session.untagged(`OK [MAILBOXID (${mailboxId(mailbox)})] Ok`);
  session.log.debug({ mailbox: mailbox.name, readOnly, messages: view.exists }, 'select');
  return readOnly ? ok('EXAMINE completed', 'READ-ONLY') : ok('SELECT completed', 'READ-WRITE');
}

/** RFC 3501 6.3.1. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseSelect,
  run: (session, args) => selectMailbox(session, args, false),
});
