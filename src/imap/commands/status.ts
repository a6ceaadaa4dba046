import type { Mailbox, MailStore } from '../../store/types.ts';
import { mailbox as encodeName } from '../encoder.ts';
import { parseMailboxName } from '../mailbox-name.ts';
import { mailboxId } from '../object-id.ts';
import { ParseError, type Parser } from '../parser.ts';
import { command, no, ok } from '../command.ts';

/** The \\Deleted messages of a mailbox and their octets: these are counted, not kept. */
async function deleted(store: MailStore, m: Mailbox): Promise<{ messages: number; size: number }> {
  const out = { messages: 0, size: 0 };
  for (const message of await store.messageStates(m.id)) {
    if (!message.flags.includes('\\Deleted')) continue;
    out.messages++;
    out.size += message.size;
  }
  return out;
}

/** The messages no SELECT has claimed as \Recent yet (RFC 3501 2.3.2): the next SELECT sees them so. */
async function recent(store: MailStore, m: Mailbox): Promise<number> {
  const from = m.recentFrom ?? 1;
  if (from >= m.uidNext) return 0;
  return (await store.messageStates(m.id)).filter((message) => message.uid >= from).length;
}

const ITEMS: Record<string, (m: Mailbox, store: MailStore) => number | string | Promise<number>> = {
  MESSAGES: (m) => m.messages,
  RECENT: (m, store) => recent(store, m),
  UIDNEXT: (m) => m.uidNext,
  UIDVALIDITY: (m) => m.uidValidity,
  UNSEEN: (m) => m.unseen,
  HIGHESTMODSEQ: (m) => m.highestModSeq,
  SIZE: (m) => m.size,
  MAILBOXID: (m) => `(${mailboxId(m)})`,
  // RFC 9051 and RFC 9208 (QUOTA=RES-MESSAGE, QUOTA=RES-STORAGE): what EXPUNGE would free.
  DELETED: async (m, store) => (await deleted(store, m)).messages,
  'DELETED-STORAGE': async (m, store) => Math.ceil((await deleted(store, m)).size / 1024),
};

/** `(status-att *(SP status-att))`; shared with LIST RETURN (STATUS ...) (RFC 5819). */
export function parseStatusItems(p: Parser): string[] {
  return p.list(() => {
    const item = p.keyword();
    if (!(item in ITEMS)) throw new ParseError(`unknown STATUS item ${item}`);
    return item;
  }, false);
}

/**
 * `STATUS name (item value ...)`, from the mailbox record; DELETED and DELETED-STORAGE read its messages.
 * `recent`: the session's own count, when it has this mailbox selected (as Dovecot answers).
 */
export async function statusResponse(store: MailStore, mailbox: Mailbox, items: readonly string[], utf8: boolean, recent?: number): Promise<string> {
  const values: string[] = [];
  for (const item of items) values.push(`${item} ${item === 'RECENT' && recent !== undefined ? recent : await ITEMS[item]!(mailbox, store)}`);
  return `STATUS ${encodeName(mailbox.name, utf8)} (${values.join(' ')})`;
}

/** RFC 3501 6.3.10, with HIGHESTMODSEQ (RFC 7162), SIZE (RFC 8438), MAILBOXID (RFC 8474), DELETED and DELETED-STORAGE (RFC 9208). */
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
    if (items.includes('HIGHESTMODSEQ')) await session.enableCondstore();
    const selected = session.view?.mailbox.id === mailbox.id ? session.view.recent.size : undefined;
    await session.untagged(await statusResponse(session.deps.store, mailbox, items, session.utf8, selected));
    return ok('STATUS completed');
  },
});
