import type { AccountId, BodyReader, MailboxId, MailStore, MessageMeta } from '../store/types.ts';

export interface DropMessage {
  /** The POP3 message number, 1-based, fixed for the session. */
  number: number;
  meta: MessageMeta;
  uidl: string;
}

/**
 * A unique-id listing value (RFC 1939 section 7) that never changes for a message:
 * INBOX's UIDVALIDITY never changes (it cannot be deleted or renamed) and UIDs are
 * never reused, while flags and MODSEQ, which IMAP changes, are not part of it.
 */
export const uidlOf = (uidValidity: number, uid: number): string =>
  uidValidity.toString(16).padStart(8, '0') + uid.toString(16).padStart(8, '0');

/** Bytes of each message read ahead for TOP: the header and the first lines of most messages. */
const TOP_READ_AHEAD = 16384;

/** One POP3 session per maildrop (RFC 1939 section 8): a process-wide set of held locks. */
export class MaildropLocks {
  readonly #held = new Set<AccountId>();

  tryLock(accountId: AccountId): boolean {
    if (this.#held.has(accountId)) return false;
    this.#held.add(accountId);
    return true;
  }

  unlock(accountId: AccountId): void {
    this.#held.delete(accountId);
  }
}

export type Lookup = { ok: true; message: DropMessage } | { ok: false; error: string };

/**
 * The account's INBOX as one POP3 session sees it: the messages present at login
 * (later deliveries wait for the next session), the ones marked deleted, and the
 * ones retrieved, which become \Seen when the session ends, as in Dovecot.
 */
export class Maildrop {
  readonly mailboxId: MailboxId;
  readonly messages: readonly DropMessage[];
  readonly #store: MailStore;
  readonly #deleted = new Set<number>();
  readonly #retrieved = new Set<number>();
  #whole: BodyReader | null = null;
  #heads: BodyReader | null = null;

  constructor(store: MailStore, mailboxId: MailboxId, uidValidity: number, messages: MessageMeta[]) {
    this.#store = store;
    this.mailboxId = mailboxId;
    this.messages = messages.map((meta, i) => ({ number: i + 1, meta, uidl: uidlOf(uidValidity, meta.uid) }));
  }

  static async open(store: MailStore, accountId: AccountId): Promise<Maildrop | null> {
    const inbox = await store.getMailbox(accountId, 'INBOX');
    if (!inbox) return null;
    return new Maildrop(store, inbox.id, inbox.uidValidity, await store.listMessages(inbox.id));
  }

  /** Messages not marked deleted, in order. */
  live(): DropMessage[] {
    return this.messages.filter((m) => !this.#deleted.has(m.number));
  }

  stat(): { count: number; size: number } {
    const live = this.live();
    return { count: live.length, size: live.reduce((sum, m) => sum + m.meta.size, 0) };
  }

  get deletedCount(): number {
    return this.#deleted.size;
  }

  lookup(number: number | null): Lookup {
    const message = number === null ? undefined : this.messages[number - 1];
    if (!message) return { ok: false, error: 'No such message' };
    if (this.#deleted.has(message.number)) return { ok: false, error: `Message ${message.number} is deleted` };
    return { ok: true, message };
  }

  /**
   * A message's bytes, read ahead with the messages after it (clients RETR or TOP
   * them in order): whole messages for RETR, their first bytes for TOP.
   */
  read(message: DropMessage, top: boolean): AsyncGenerator<Buffer> {
    const plan = (end: (meta: MessageMeta) => number) => this.#store.bodyReader(this.messages.map(({ meta }) => ({ message: meta, start: 0, end: end(meta) })));
    const reader = top ? (this.#heads ??= plan((meta) => Math.min(meta.size, TOP_READ_AHEAD))) : (this.#whole ??= plan((meta) => meta.size));
    return reader.read(message.meta);
  }

  delete(message: DropMessage): void {
    this.#deleted.add(message.number);
  }

  retrieved(message: DropMessage): void {
    this.#retrieved.add(message.number);
  }

  /** RSET: nothing marked deleted or retrieved any more. */
  reset(): void {
    this.#deleted.clear();
    this.#retrieved.clear();
  }

  /**
   * The UPDATE state after QUIT: retrieved messages become \Seen, deleted ones are
   * expunged. Resolves only after the store committed both (design rule 1), and
   * returns how many messages were expunged (an IMAP session may have been first).
   */
  async commit(): Promise<number> {
    await this.saveSeen();
    const uids = this.messages.filter((m) => this.#deleted.has(m.number)).map((m) => m.meta.uid);
    if (uids.length === 0) return 0;
    return (await this.#store.expunge(this.mailboxId, uids)).length;
  }

  /** When the connection drops without QUIT only the \Seen flags are kept: deletions are not. */
  async saveSeen(): Promise<void> {
    const uids = this.messages
      .filter((m) => this.#retrieved.has(m.number) && !this.#deleted.has(m.number) && !m.meta.flags.includes('\\Seen'))
      .map((m) => m.meta.uid);
    if (uids.length > 0) await this.#store.storeFlags(this.mailboxId, uids, 'add', ['\\Seen']);
  }
}
