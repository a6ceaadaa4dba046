import type { Mailbox, MailStore, MessageState, StoreEvent, Uid } from '../store/types.ts';
import { flagList } from './encoder.ts';
import { SYSTEM_FLAGS } from './flags.ts';
import { ParseError } from './parser.ts';
import { compactSet, type SequenceSet } from './sequence-set.ts';
import { flagsHead } from './uid-only.ts';
import { roomForKeywords } from '../store/rules/keywords.ts';

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
  /** The MODSEQ up to which the client was told every change: the last flush that could report expunges. */
  reportedModSeq: number;
  /** Called on every change, so IDLE can report at once. */
  onChange: (() => void) | null = null;
  /**
   * How this session learns \Recent (RFC 3501 2.3.2): SELECT claims the messages no session
   * has seen, EXAMINE only looks at them, IMAP4rev2 has no \Recent (RFC 9051 Appendix E).
   */
  readonly #recentMode: RecentMode;
  /** The messages that are \Recent in this session. */
  readonly recent = new Set<Uid>();
  #reportedRecent = 0;
  /** The keywords the client was told in FLAGS, lower-cased, with their spelling. */
  readonly #keywords = new Map<string, string>();
  /** The most keywords a mailbox may hold (`imap.max_keywords`, store/rules/keywords.ts). */
  readonly #maxKeywords: number;

  private constructor(store: MailStore, mailbox: Mailbox, readOnly: boolean, recentMode: RecentMode, maxKeywords: number, unsubscribe: () => void) {
    this.store = store;
    this.#maxKeywords = maxKeywords;
    this.mailbox = mailbox;
    this.readOnly = readOnly;
    this.#recentMode = recentMode;
    this.uids = [];
    this.#unsubscribe = unsubscribe;
    this.highestModSeq = mailbox.highestModSeq;
    this.reportedModSeq = mailbox.highestModSeq;
  }

  /** Listens before listing, so no change falls between the listing and the events. */
  static async open(store: MailStore, mailbox: Mailbox, readOnly: boolean, recentMode: RecentMode, maxKeywords: number): Promise<{ view: MailboxView; messages: MessageState[] }> {
    let view: MailboxView | null = null;
    const early: StoreEvent[] = [];
    const unsubscribe = store.on((event) => (view ? view.#handle(event) : early.push(event)));
    try {
      const messages = await store.messageStates(mailbox.id);
      view = new MailboxView(store, mailbox, readOnly, recentMode, maxKeywords, unsubscribe);
      for (const m of messages) {
        view.uids.push(m.uid);
        view.#told.set(m.uid, m.modSeq);
        view.#learnKeywords(m.flags);
      }
      await view.#takeRecent(view.uids);
      view.#reportedRecent = view.recent.size;
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
          this.recent.delete(uid);
          if (opts.qresync) vanished.push(uid);
          else lines.push(`* ${seq} EXPUNGE\r\n`);
        }
        this.#flagged.delete(uid);
      }
      if (vanished.length > 0) lines.push(`* VANISHED ${compactSet(vanished)}\r\n`);
      for (const uid of this.#expunged) this.#appended.delete(uid);
      this.#expunged.clear();
    }
    // Every change up to here was received: a full flush reports them all, and nothing above (RFC 7162 HIGHESTMODSEQ).
    const horizon = this.highestModSeq;
    const reportedModSeq = opts.expunge ? horizon : this.reportedModSeq;
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
        const freshUids = fresh.map(([uid]) => uid);
        // A new keyword (APPEND, COPY) is announced to every session that has the mailbox selected.
        for (const message of await this.store.messageStates(this.mailbox.id, freshUids)) lines.push(...this.announceKeywords(message.flags));
        await this.#takeRecent(freshUids);
        lines.push(`* ${this.uids.length} EXISTS\r\n`);
      }
    }
    // After EXPUNGE and EXISTS, the count of \Recent messages when it changed (as Dovecot).
    if (this.#recentMode !== 'none' && this.recent.size !== this.#reportedRecent) {
      this.#reportedRecent = this.recent.size;
      lines.push(`* ${this.recent.size} RECENT\r\n`);
    }
    if (this.#flagged.size > 0) {
      const uids = [...this.#flagged].filter((uid) => this.seqOf(uid) > 0).sort((a, b) => a - b);
      this.#flagged.clear();
      const messages = await this.store.messageStates(this.mailbox.id, uids);
      for (const message of messages) {
        if (!this.isStale(message.uid, message.modSeq)) continue;
        // Changed again since: shown by the next report, once that change's event is in (its arrival asks for that
        // report), so that no MODSEQ shown is above the HIGHESTMODSEQ reported.
        if (message.modSeq > horizon) {
          if (this.highestModSeq >= message.modSeq) this.#flagged.add(message.uid);
          continue;
        }
        this.#told.set(message.uid, message.modSeq);
        lines.push(...this.announceKeywords(message.flags));
        const modseq = opts.condstore ? ` MODSEQ (${message.modSeq})` : '';
        lines.push(`* ${flagsHead(this.seqOf(message.uid), message.uid, opts.uidOnly ?? false)}FLAGS ${this.flagList(message)}${modseq})\r\n`);
      }
    }
    this.reportedModSeq = Math.max(this.reportedModSeq, reportedModSeq);
    return lines;
  }

  /** A message's flags as this session shows them: with \Recent when it is recent here. */
  flagList(message: Pick<MessageState, 'uid' | 'flags'>): string {
    return flagList(this.recent.has(message.uid) ? ['\\Recent', ...message.flags] : message.flags);
  }

  /** The flags FLAGS lists: the system flags and every keyword the client was told of. */
  get flags(): string[] {
    return [...SYSTEM_FLAGS, ...this.#keywords.values()];
  }

  /**
   * PERMANENTFLAGS: none when read-only, else the flags, with `\*` while a new keyword
   * may still be created (RFC 3501 7.1): not once the mailbox's keywords reach the limit.
   */
  get permanentFlags(): string {
    if (this.readOnly) return '()';
    return `(${[...this.flags, ...(roomForKeywords(this.#keywords.size, this.#maxKeywords) ? ['\\*'] : [])].join(' ')})`;
  }

  /**
   * `* FLAGS` and `* OK [PERMANENTFLAGS]` when `flags` hold a keyword the client has not
   * been told of, to be sent before a FETCH that shows it (RFC 3501 7.2.6: FLAGS lists the flags in use).
   */
  announceKeywords(flags: readonly string[]): string[] {
    if (!this.#learnKeywords(flags)) return [];
    return [`* FLAGS ${flagList(this.flags)}\r\n`, `* OK [PERMANENTFLAGS ${this.permanentFlags}] ${this.readOnly ? 'Read-only mailbox' : 'Flags permitted'}\r\n`];
  }

  #learnKeywords(flags: readonly string[]): boolean {
    let learnt = false;
    for (const flag of flags) {
      if (flag.startsWith('\\') || this.#keywords.has(flag.toLowerCase())) continue;
      this.#keywords.set(flag.toLowerCase(), flag);
      learnt = true;
    }
    return learnt;
  }

  /**
   * Which of these new UIDs are \Recent here: the ones this session claims first (SELECT),
   * or the ones nobody claimed yet (EXAMINE, which leaves them to the next SELECT).
   */
  async #takeRecent(uids: readonly Uid[]): Promise<void> {
    const last = uids[uids.length - 1];
    if (this.#recentMode === 'none' || last === undefined) return;
    const from =
      this.#recentMode === 'claim' ? await this.store.claimRecent(this.mailbox.id, last)
      : ((await this.store.getMailboxById(this.mailbox.id))?.recentFrom ?? 1);
    for (const uid of uids) if (uid >= from) this.recent.add(uid);
  }
}

export type RecentMode = 'claim' | 'peek' | 'none';
