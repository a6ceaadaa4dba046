import { flagList } from '../encoder.ts';
import { MailboxView } from '../mailbox-view.ts';
import { mailboxListing } from '../list-entry.ts';
import { parseNamedMailbox } from '../mailbox-name.ts';
import { mailboxId } from '../object-id.ts';
import type { Parser } from '../parser.ts';
import { parseSelectParams, type QresyncParam, type SelectParams } from '../select-params.ts';
import { compactSet } from '../sequence-set.ts';
import { flagsHead, isUidOnly } from '../uid-only.ts';
import { bad, command, no, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';
import type { MessageState } from '../../store/types.ts';
import { DEFAULT_MAX_KEYWORDS } from '../../store/rules/keywords.ts';

interface SelectArgs extends SelectParams {
  name: string;
  /** The name as sent, when it was normalized (see parseNamedMailbox). */
  supplied: string | null;
}

/** `mailbox [(CONDSTORE / QRESYNC (...))]` (RFC 3501 6.3.1, RFC 9051 6.3.2, RFC 7162 3.1.8 and 3.2.5). */
export function parseSelect(p: Parser): SelectArgs {
  p.sp();
  const { name, supplied } = parseNamedMailbox(p);
  let params: SelectParams = { condstore: false, qresync: null };
  if (!p.atEnd) {
    p.sp();
    params = parseSelectParams(p);
  }
  p.end();
  return { name, supplied, ...params };
}

/** SELECT and EXAMINE: the old mailbox is closed first, even when the new one cannot be opened. */
export async function selectMailbox(session: ImapSession, args: SelectArgs, readOnly: boolean): Promise<Outcome> {
  if (args.qresync && !session.qresync) return bad('QRESYNC needs ENABLE QRESYNC first');
  if (session.deselect()) await session.untagged('OK [CLOSED] Previous mailbox closed');
  if (args.condstore) session.condstore = true;
  const mailbox = await session.deps.store.getMailbox(session.account!.id, args.name);
  if (!mailbox) return no(`No mailbox named ${args.name}`, 'NONEXISTENT');
  const recentMode = session.rev2 ? 'none' : readOnly ? 'peek' : 'claim';
  const { view, messages } = await MailboxView.open(session.deps.store, mailbox, readOnly, recentMode, session.deps.maxKeywords ?? DEFAULT_MAX_KEYWORDS);
  session.view = view;
  session.state = 'selected';
  const firstUnseen = messages.findIndex((m) => !m.flags.includes('\\Seen'));
  await session.untagged(`FLAGS ${flagList(view.flags)}`);
  await session.untagged(`OK [PERMANENTFLAGS ${view.permanentFlags}] ${readOnly ? 'Read-only mailbox' : 'Flags permitted'}`);
  await session.untagged(`${view.exists} EXISTS`);
  // IMAP4rev2 dropped RECENT and the UNSEEN code (RFC 9051 Appendix E); it wants the mailbox's LIST instead (6.3.2).
  if (!session.rev2) {
    await session.untagged(`${view.recent.size} RECENT`);
    if (firstUnseen >= 0) await session.untagged(`OK [UNSEEN ${firstUnseen + 1}] First unseen message`);
  }
  await session.untagged(`OK [UIDVALIDITY ${mailbox.uidValidity}] UIDs valid`);
  await session.untagged(`OK [UIDNEXT ${mailbox.uidNext}] Predicted next UID`);
  await session.untagged(`OK [HIGHESTMODSEQ ${mailbox.highestModSeq}] Highest`);
  await session.untagged(`OK [MAILBOXID (${mailboxId(mailbox)})] Ok`);
  if (session.rev2) await session.untagged(await mailboxListing(session, mailbox.name, args.supplied));
  if (args.qresync && args.qresync.uidValidity === mailbox.uidValidity) await resync(session, args.qresync, messages);
  session.log.debug({ mailbox: mailbox.name, readOnly, messages: view.exists }, 'select');
  return readOnly ? ok('EXAMINE completed', 'READ-ONLY') : ok('SELECT completed', 'READ-WRITE');
}

/**
 * RFC 7162 3.2.5.1: what changed since the client's MODSEQ. Every expunge is
 * remembered by the store, so the seq-match data is not needed to find them.
 * UIDs the view still holds (expunged while selecting) are left to the next VANISHED.
 */
async function resync(session: ImapSession, param: QresyncParam, messages: MessageState[]): Promise<void> {
  const view = session.view!;
  const known = param.knownUids?.matcher(view.mailbox.uidNext - 1) ?? (() => true);
  const expunged = await session.deps.store.expungedSince(view.mailbox.id, param.modSeq);
  const vanished = expunged.filter((uid) => known(uid) && view.seqOf(uid) === 0);
  if (vanished.length > 0) await session.untagged(`VANISHED (EARLIER) ${compactSet(vanished)}`);
  for (const m of messages) {
    if (m.modSeq <= param.modSeq || view.seqOf(m.uid) === 0) continue;
    view.told(m.uid, m.modSeq);
    await session.untagged(`${flagsHead(view.seqOf(m.uid), m.uid, isUidOnly(session))}FLAGS ${view.flagList(m)} MODSEQ (${m.modSeq}))`);
  }
}

/** RFC 3501 6.3.1. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseSelect,
  run: (session, args) => selectMailbox(session, args, false),
});
