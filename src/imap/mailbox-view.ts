import type { Mailbox, MailStore, MessageMeta, StoreEvent, Uid } from '../store/types.ts';
import { flagList } from './encoder.ts';
import { ParseError } from './parser.ts';
import { compactSet, type SequenceSet } from './sequence-set.ts';
import { flagsHead } from './uid-only.ts';

/**
 * The selected mailbox as this session's client knows it: message numbers
 * mapped to UIDs, and the flag state (by MODSEQ) it was last told. Changes made
 * elsewhere are collected from store events and reported by `flush` only where
 * RFC 3501 (section 7.4.1, 5.2) allows, so numbering stays what the client expects.
 */
export class MailboxView {
  readonly store: MailStore;
  readonly mailbox: Mailbox;
  readonly readOnly: boolean;
  /** uids[n - 1] is the UID of message number n. */
  readonly uids: Uid[];
  readonly #told = new Map<Uid, number>();
  /** New UIDs with the MODSEQ they were added at. */
  readonly #appended = new Map<Uid, number>();
  readonly #expunged = new Set<Uid>();
  readonly #flagged = new Set<Uid>();
  readonly #unsubscribe: () => void;
  /**
   * The highest MODSEQ of the changes this view has received; all of them are
   * reported by the next flush that may report expunges (QRESYNC's HIGHESTMODSEQ after EXPUNGE).
   */
  highestModSeq: number;
  /** The UIDs of the last `SEARCH RETURN (SAVE)` (RFC 5182), `$` in later commands. */
  saved: Uid[] = [];
  /** Called on every change, so IDLE can report at once. */
  onChange: (() => void) | null = null;

  private constructor(store: MailStore, mailbox: Mailbox, readOnly: boolean, unsubscribe: () => void) {
    this.store = store;
    this.mailbox = mailbox;
    this.readOnly = readOnly;
    this.uids = [];
    this.#unsubscribe = unsubscribe;
    this.highestModSeq = mailbox.highestModSeq;
  }

  /** Listens before listing, so no change falls between the listing and the events. */
  static async open(store: MailStore, mailbox: Mailbox, readOnly: boolean): Promise<{ view: MailboxView; messages: MessageMeta[] }> {
    let view: MailboxView | null = null;
    const early: StoreEvent[] = [];
    const unsubscribe = store.on((event) => (view ? view.#handle(event) : early.push(event)));
    try {
      const messages = await store.listMessages(mailbox.id);
      view = new MailboxView(store, mailbox, readOnly, unsubscribe);
      for (const m of messages) {
        view.uids.push(m.uid);
        view.#told.set(m.uid, m.modSeq);
      }
      for (const event of early) view.#handle(event);
      return { view, messages };
    } catch (err) {
      unsubscribe();
      throw err;
    }
  }

  close(): void {
    this.#unsubscribe();
    this.onChange = null;
  }

  get exists(): number {
    return this.uids.length;
  }

  get hasChanges(): boolean {
    return this.#appended.size > 0 || this.#expunged.size > 0 || this.#flagged.size > 0;
  }

  #handle(event: StoreEvent): void {
    if (event.type === 'mailboxes' || event.mailboxId !== this.mailbox.id) return;
    const last = this.uids[this.uids.length - 1] ?? 0;
    this.highestModSeq = Math.max(this.highestModSeq, event.modSeq);
    for (const uid of event.uids) {
      if (event.type === 'expunge') this.#expunged.add(uid);
      else if (event.type === 'flags') this.#flagged.add(uid);
      else if (uid > last) this.#appended.set(uid, event.modSeq);
    }
    this.onChange?.();
  }

  /** Message number of a UID, or 0 when the client does not know it. */
  seqOf(uid: Uid): number {
    let lo = 0;
    let hi = this.uids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.uids[mid]!;
      if (at === uid) return mid + 1;
      if (at < uid) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** UIDs (ascending) named by message numbers; a number past EXISTS is a client error. */
  bySequence(set: SequenceSet): Uid[] {
    if (this.uids.length === 0) throw new ParseError('the mailbox is empty: no message numbers are valid');
    if (set.max(this.uids.length) > this.uids.length) throw new ParseError('message number out of range');
    const out: Uid[] = [];
    for (const [a, b] of set.intervals(this.uids.length)) for (let n = a; n <= b; n++) out.push(this.uids[n - 1]!);
    return out;
  }

  /** UIDs (ascending) of the known messages in a UID set; `*` is the largest known UID. */
  byUid(set: SequenceSet): Uid[] {
    const matches = set.matcher(this.uids[this.uids.length - 1] ?? 0);
    return this.uids.filter(matches);
  }

  /** `$`: the saved UIDs the client still knows, ascending (expunged ones drop out, RFC 5182 2.1). */
  savedUids(): Uid[] {
    return this.saved.filter((uid) => this.seqOf(uid) > 0);
  }

  /** The client now knows this message's flags as of `modSeq`. */
  told(uid: Uid, modSeq: number): void {
    if (this.#told.has(uid)) this.#told.set(uid, modSeq);
  }

  /** Flag state not yet reported for this message: the client's copy is older than `modSeq`. */
  isStale(uid: Uid, modSeq: number): boolean {
    return (this.#told.get(uid) ?? 0) < modSeq;
  }

  /**
   * The untagged responses for what changed since the last flush. Expunges wait
   * when `expunge` is false (FETCH, STORE, SEARCH running: RFC 3501 7.4.1).
   * With `qresync` they are one `VANISHED` of the UIDs the client knew (RFC 7162 3.2.10);
   * with `uidOnly` flag changes are `UIDFETCH` responses (RFC 9586 3.3).
   */
  async flush(opts: { expunge: boolean; condstore: boolean; qresync: boolean; uidOnly?: boolean }): Promise<string[]> {
    const lines: string[] = [];
    if (opts.expunge && this.#expunged.size > 0) {
      const vanished: Uid[] = [];
      for (const uid of [...this.#expunged].sort((a, b) => b - a)) {
        const seq = this.seqOf(uid);
        if (seq > 0) {
          this.uids.splice(seq - 1, 1);
          this.#told.delete(uid);
          if (opts.qresync) vanished.push(uid);
          else lines.push(`* ${seq} EXPUNGE\r\n`);
        }
        this.#flagged.delete(uid);
      }
      if (vanished.length > 0) lines.push(`* VANISHED ${compactSet(vanished)}\r\n`);
      for (const uid of this.#expunged) this.#appended.delete(uid);
      this.#expunged.clear();
    }
    if (this.#appended.size > 0) {
      const last = this.uids[this.uids.length - 1] ?? 0;
      const fresh = [...this.#appended].filter(([uid]) => uid > last).sort((a, b) => a[0] - b[0]);
      this.#appended.clear();
      if (fresh.length > 0) {
        for (const [uid, modSeq] of fresh) {
          this.uids.push(uid);
          // The client learns a new message's flags by fetching it; later changes are reported.
          this.#told.set(uid, modSeq);
        }
        lines.push(`* ${this.uids.length} EXISTS\r\n`);
      }
    }
    if (this.#flagged.size > 0) {
      const uids = [...this.#flagged].filter((uid) => this.seqOf(uid) > 0).sort((a, b) => a - b);
      this.#flagged.clear();
      const messages = await this.store.getMessages(this.mailbox.id, uids);
      for (const message of messages) {
        if (!message || !this.isStale(message.uid, message.modSeq)) continue;
        this.#told.set(message.uid, message.modSeq);
        const modseq = opts.condstore ? ` MODSEQ (${message.modSeq})` : '';
        lines.push(`* ${flagsHead(this.seqOf(message.uid), message.uid, opts.uidOnly ?? false)}FLAGS ${flagList(message.flags)}${modseq})\r\n`);
      }
    }
    return lines;
  }
}
