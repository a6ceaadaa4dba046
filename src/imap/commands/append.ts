import { writeMessage } from '../../delivery/deliver.ts';
import { checkFlags } from '../flags.ts';
import { parseMailboxName } from '../mailbox-name.ts';
import { ParseError } from '../parser.ts';
import { command, no, ok } from '../command.ts';

/**
 * RFC 3501 6.3.11 with APPENDUID (RFC 4315). The message goes through the one
 * write path, delivery/writeMessage; the reader already refused a literal over the
 * size limit before it was sent.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const name = parseMailboxName(p);
    p.sp();
    let flags: string[] = [];
    if (p.peek() === 0x28) {
      flags = checkFlags(p.flagList());
      p.sp();
    }
    let internalDate: number | undefined;
    if (p.peek() === 0x22) {
      internalDate = p.dateTime();
      p.sp();
    }
    // literal8 (RFC 3516): the message may hold NULs.
    if (p.take('~') && p.peek() !== 0x7b) throw new ParseError('expected a literal8 after ~');
    const raw = p.stringBytes();
    p.end();
    return { name, flags, internalDate, raw };
  },
  async run(session, { name, flags, internalDate, raw }) {
    if (raw.length === 0) return no('Empty message', 'CANNOT');
    const account = session.account!;
    const mailbox = await session.deps.store.getMailbox(account.id, name);
    if (!mailbox) return no(`No mailbox named ${name}`, 'TRYCREATE');
    const [result] = await writeMessage(session.deps.store, raw, [{ accountId: account.id, mailboxId: mailbox.id, prefix: '', flags }], {
      internalDate,
      enforceQuota: true,
    });
    if (!result!.ok) return no(result!.detail, result!.reason === 'quota' ? 'OVERQUOTA' : 'TRYCREATE');
    session.log.info({ mailbox: mailbox.name, uid: result!.uid, size: raw.length }, 'append');
    return ok('APPEND completed', `APPENDUID ${result!.uidValidity} ${result!.uid}`);
  },
});
