import { writeMessages } from '../../delivery/deliver.ts';
import { catenateAll } from '../catenate-build.ts';
import { parseMailboxName } from '../mailbox-name.ts';
import type { Parser } from '../parser.ts';
import { bad, command, no, ok, type Outcome } from '../command.ts';
import type { ImapSession } from '../session.ts';
import { appendMessage, type AppendMessage } from './append.ts';

interface ReplaceArgs {
  number: number;
  name: string;
  message: AppendMessage;
}

/** `SP (seq-number / uid) SP mailbox append-message` (RFC 8508 4). */
const parseReplace = (p: Parser): ReplaceArgs => {
  p.sp();
  const number = p.nzNumber();
  p.sp();
  const name = parseMailboxName(p);
  const message = appendMessage(p);
  p.end();
  return { number, name, message };
};

/**
 * RFC 8508: APPEND to `name`, then expunge the replaced message of the selected
 * mailbox. The expunge comes only after the new message is committed, so a
 * failure (or a crash) between the two leaves both, never neither. APPENDUID goes
 * out untagged before the EXPUNGE (RFC 8508 3.3).
 */
async function runReplace(session: ImapSession, { number, name, message: parsed }: ReplaceArgs, byUid: boolean): Promise<Outcome> {
  const view = session.view!;
  if (view.readOnly) return no('The mailbox is read-only', 'READ-ONLY');
  const uid = byUid ? (view.seqOf(number) > 0 ? number : 0) : (view.uids[number - 1] ?? 0);
  // A number out of range is a client error (RFC 3501 9 seq-number), a UID gone meanwhile is not.
  if (uid === 0) return byUid ? no('No message with that UID', 'NONEXISTENT') : bad('Message number out of range');
  const built = await catenateAll(session, [parsed]);
  if (!Array.isArray(built)) return built;
  const message = built[0]!;
  if (message.raw.length === 0) return no('Empty message', 'CANNOT');
  const account = session.account!;
  const mailbox = await session.deps.store.getMailbox(account.id, name);
  if (!mailbox) return no(`No mailbox named ${name}`, 'TRYCREATE');
  const [results] = await writeMessages(
    session.deps.store,
    [{ raw: message.raw, internalDate: message.internalDate, targets: [{ accountId: account.id, mailboxId: mailbox.id, prefix: '', flags: message.flags }] }],
    { enforceQuota: true, atomic: true },
  );
  const result = results![0]!;
  if (!result.ok) return no(result.detail, result.reason === 'quota' ? 'OVERQUOTA' : 'TRYCREATE');
  await session.untagged(`OK [APPENDUID ${mailbox.uidValidity} ${result.uid}] Replacement message stored`);
  await session.deps.store.expunge(view.mailbox.id, [uid]);
  session.log.info({ mailbox: mailbox.name, uid: result.uid, replaced: uid, size: message.raw.length }, 'replace');
  return ok('REPLACE completed');
}

export default command({ states: ['selected'], parse: parseReplace, run: (session, args) => runReplace(session, args, false) });

/** RFC 8508 3.4: the replaced message named by its UID. */
export const uidReplace = command({ states: ['selected'], parse: parseReplace, run: (session, args) => runReplace(session, args, true) });
