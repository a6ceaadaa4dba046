import { str } from './encoder.ts';
import type { ImapSession } from './session.ts';

/**
 * RFC 9585 INPROGRESS: while a long command works through messages, the client
 * hears `* OK [INPROGRESS ("tag" done total)]` at batch boundaries, no more often
 * than `imap.progress_interval` (so a quick command says nothing).
 */
export class Progress {
  readonly #session: ImapSession;
  readonly #tag: string;
  readonly #total: number;
  #next: number;

  constructor(session: ImapSession, tag: string, total: number) {
    this.#session = session;
    this.#tag = tag;
    this.#total = total;
    this.#next = Date.now() + session.deps.progressMs;
  }

  /** Called before each batch with the messages done so far. */
  async report(done: number): Promise<void> {
    const now = Date.now();
    if (now < this.#next) return;
    this.#next = now + this.#session.deps.progressMs;
    // The total is an nz-number: an empty set has none to give.
    const total = this.#total > 0 ? String(this.#total) : 'NIL';
    await this.#session.untagged(`OK [INPROGRESS (${str(this.#tag)} ${Math.min(done, this.#total)} ${total})] Working on it`);
  }
}
