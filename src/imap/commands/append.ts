import { writeMessages } from '../../delivery/deliver.ts';
import { appendLearning } from '../spam-learning.ts';
import { encodeBinaryParts } from '../../mime/binary-parts.ts';
import { catenateAll } from '../catenate-build.ts';
import { parseCatenate, type CatPart } from '../catenate.ts';
import { checkFlags } from '../flags.ts';
import { parseMailboxName } from '../mailbox-name.ts';
import { limitRefusal } from '../message-limit.ts';
import { ParseError, type Parser } from '../parser.ts';
import { compactSet } from '../sequence-set.ts';
import { command, no, ok } from '../command.ts';

/** Messages in one MULTIAPPEND: each is indexed and written in the same batch, so their number is bounded too. */
export const MAX_APPEND_MESSAGES = 1000;

export interface AppendMessage {
  flags: string[];
  internalDate: number | undefined;
  raw: Buffer;
  /** CATENATE (RFC 4469): the parts `raw` is built from before the message is stored. */
  catenate?: CatPart[];
}

/**
 * `[SP flag-list] [SP date-time] SP (literal / "UTF8" SP "(" literal8 ")")`, the
 * part MULTIAPPEND repeats (RFC 3502); UTF8 marks a message with UTF-8 headers
 * (RFC 6855 4), stored the same way.
 */
export function appendMessage(p: Parser): AppendMessage {
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
  if (p.take('CATENATE ')) return { flags, internalDate, raw: Buffer.alloc(0), catenate: parseCatenate(p) };
  if (p.take('UTF8 (')) {
    p.expect('~');
    const raw = p.stringBytes();
    p.expect(')');
    return { flags, internalDate, raw: encodeBinaryParts(raw) };
  }
  // literal8 (RFC 3516): the message may hold NULs, and parts in the binary transfer encoding.
  if (p.take('~')) {
    if (p.peek() !== 0x7b) throw new ParseError('expected a literal8 after ~');
    return { flags, internalDate, raw: encodeBinaryParts(p.stringBytes()) };
  }
  return { flags, internalDate, raw: p.stringBytes() };
}

/**
 * RFC 3501 6.3.11 with APPENDUID (RFC 4315) and MULTIAPPEND (RFC 3502). The
 * messages go through the one write path, delivery/writeMessages, in one synced
 * batch: all are stored or none. The reader already refused literals over the
 * size limit (for MULTIAPPEND, all literals of the command together). More
 * messages than MAX_APPEND_MESSAGES or MESSAGELIMIT are read to the end of the
 * command and refused whole with NO [MESSAGELIMIT] (RFC 9738 3.1).
 */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const name = parseMailboxName(p);
    const messages = [appendMessage(p)];
    let count = 1;
    for (; !p.atEnd; count++) {
      const message = appendMessage(p);
      if (count < MAX_APPEND_MESSAGES) messages.push(message);
    }
    return { name, messages, count };
  },
  async run(session, { name, messages: parsed, count }) {
    const limit = Math.min(MAX_APPEND_MESSAGES, session.deps.messageLimit);
    if (count > limit) return limitRefusal(session, 'APPEND', count, undefined, limit);
    const messages = await catenateAll(session, parsed);
    if (!Array.isArray(messages)) return messages;
    if (messages.some((m) => m.raw.length === 0)) return no('Empty message', 'CANNOT');
    const account = session.account!;
    const mailbox = await session.deps.store.getMailbox(account.id, name);
    if (!mailbox) return no(`No mailbox named ${name}`, 'TRYCREATE');
    const results = await writeMessages(
      session.deps.store,
      messages.map((m) => ({ raw: m.raw, internalDate: m.internalDate, targets: [{ accountId: account.id, mailboxId: mailbox.id, prefix: '', flags: m.flags }] })),
      { enforceQuota: true, atomic: true, learning: appendLearning(session, mailbox, messages.map((m) => m.raw)) },
    );
    const outcomes = results.map((r) => r[0]!);
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) return no(failed.detail, failed.reason === 'quota' ? 'OVERQUOTA' : 'TRYCREATE');
    const uids = outcomes.map((o) => (o.ok ? o.uid : 0));
    session.log.info({ mailbox: mailbox.name, uids, size: messages.reduce((n, m) => n + m.raw.length, 0) }, 'append');
    return ok('APPEND completed', `APPENDUID ${mailbox.uidValidity} ${compactSet(uids)}`);
  },
});
