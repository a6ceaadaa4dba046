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

export type Lookup = { ok: true; message: DropMessage } | { ok: false; error: string };

/**
 * The account's INBOX as one POP3 session sees it: the messages present at login
 * (later deliveries wait for the next session), the ones marked deleted, and the
 * ones retrieved, which become \Seen when the session ends, as in Dovecot.
 */
export class Maildrop {
  readonly mailboxId: MailboxId;
  #messages: readonly DropMessage[] = [];
  readonly #store: MailStore;
  readonly #deleted = new Set<number>();
  readonly #retrieved = new Set<number>();
  /** UIDs expunged elsewhere (IMAP) since the snapshot, from the store's events. */
  readonly #expunged = new Set<number>();
  /** Set when the account's mailboxes changed: from then on, ask the store. */
  #unsure = false;
  readonly #unsubscribe: () => void;
  #whole: BodyReader | null = null;
  #heads: BodyReader | null = null;

  private constructor(store: MailStore, accountId: AccountId, mailboxId: MailboxId) {
    this.#store = store;
    this.mailboxId = mailboxId;
    this.#unsubscribe = store.on((event) => {
      if (event.type === 'expunge' && event.mailboxId === mailboxId) for (const uid of event.uids) this.#expunged.add(uid);
      if (event.type === 'mailboxes' && event.accountId === accountId) this.#unsure = true;
    });
  }

  /** Subscribes to the store's events until close(). */
  static async open(store: MailStore, accountId: AccountId): Promise<Maildrop | null> {
    const inbox = await store.getMailbox(accountId, 'INBOX');
    if (!inbox) return null;
    // Listening starts before the listing, so no expunge falls between the two.
    const drop = new Maildrop(store, accountId, inbox.id);
    try {
      const messages = await store.listMessages(inbox.id);
      drop.#messages = messages.map((meta, i) => ({ number: i + 1, meta, uidl: uidlOf(inbox.uidValidity, meta.uid) }));
    } catch (err) {
      drop.close();
      throw err;
    }
    return drop;
  }

  get messages(): readonly DropMessage[] {
    return this.#messages;
  }

  close(): void {
    this.#unsubscribe();
  }

  /** Whether another session removed the message since the snapshot (the store's events say so without a read). */
  async removed(message: DropMessage): Promise<boolean> {
    if (this.#expunged.has(message.meta.uid)) return true;
    return this.#unsure && !(await this.#store.getMessage(this.mailboxId, message.meta.uid));
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
