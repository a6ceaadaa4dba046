import { EventEmitter } from 'node:events';
import type { ParsedMail } from 'mailparser';
import type { MailStore, MessageMeta, StoreEvent } from '../store/types.ts';
import { parseRaw, summarize, describe, type SandboxMessage, type SandboxSummary } from './message.ts';
import { matches, type QueryTerm } from './query.ts';

export interface InboxEvents {
  message: [summary: SandboxSummary];
  deleted: [ids: number[]];
}

/** Clients waiting for a message at once; past it a wait is refused (the API answers 429). */
export const MAX_WAITERS = 64;
/** Event streams listening at once (the API's `events`); more are refused (429). */
export const MAX_SUBSCRIBERS = 32;
/** Parsed list entries kept: each is a few hundred bytes. */
const SUMMARY_CACHE = 5000;

export class TooManyWaiters extends Error {}

interface Waiter {
  terms: QueryTerm[];
  done: (summary: SandboxSummary | null) => void;
}

/**
 * The sandbox account's INBOX, where capture mode files every message: listed newest
 * first, searched, parsed on demand, emptied; and watched through the store's events so
 * that the event stream and waiting clients hear of each new message once it is committed.
 */
export class SandboxInbox extends EventEmitter<InboxEvents> {
  readonly #store: MailStore;
  readonly mailboxId: number;
  readonly #summaries = new Map<number, SandboxSummary>();
  readonly #waiters = new Set<Waiter>();
  readonly #unwatch: () => void;

  constructor(store: MailStore, mailboxId: number) {
    super();
    this.#store = store;
    this.mailboxId = mailboxId;
    this.setMaxListeners(MAX_SUBSCRIBERS + 1);
    this.#unwatch = store.on((event) => this.#changed(event));
  }

  close(): void {
    this.#unwatch();
    for (const waiter of this.#waiters) waiter.done(null);
    this.#waiters.clear();
  }

  get waiting(): number {
    return this.#waiters.size;
  }

  async list(terms: QueryTerm[], limit: number): Promise<SandboxSummary[]> {
    const metas = (await this.#store.listMessages(this.mailboxId)).reverse();
    const out: SandboxSummary[] = [];
    for (const meta of metas) {
      if (out.length >= limit) break;
      const summary = await this.#summary(meta);
      if (await this.#matches(terms, meta, summary)) out.push(summary);
    }
    return out;
  }

  async get(id: number): Promise<SandboxMessage | null> {
    const found = await this.#parsed(id);
    return found && describe(found.meta, found.mail);
  }

  async attachment(id: number, index: number): Promise<{ filename: string; contentType: string; content: Buffer } | null> {
    const found = await this.#parsed(id);
    const a = found?.mail.attachments[index];
    return a ? { filename: a.filename ?? `attachment-${index + 1}`, contentType: a.contentType, content: a.content } : null;
  }

  async raw(id: number): Promise<Buffer | null> {
    const meta = await this.#store.getMessage(this.mailboxId, id);
    return meta && this.#read(meta);
  }

  /** Removes the given messages, or every one; answers how many went. */
  async delete(ids?: number[]): Promise<number> {
    const uids = ids ?? (await this.#store.listMessages(this.mailboxId)).map((m) => m.uid);
    if (uids.length === 0) return 0;
    return (await this.#store.expunge(this.mailboxId, uids)).length;
  }

  /**
   * The first message matching `terms` that is newer than `since`: one already there, or the
   * next to arrive within `timeoutMs` (null when none did). Refused past MAX_WAITERS.
   */
  async waitFor(terms: QueryTerm[], since: number, timeoutMs: number, signal: AbortSignal): Promise<SandboxSummary | null> {
    if (this.#waiters.size >= MAX_WAITERS) throw new TooManyWaiters(`${MAX_WAITERS} clients are waiting already`);
    let waiter: Waiter | undefined;
    let timer: NodeJS.Timeout | undefined;
    const next = new Promise<SandboxSummary | null>((resolve) => {
      waiter = { terms, done: resolve };
      this.#waiters.add(waiter);
      timer = setTimeout(() => resolve(null), timeoutMs);
      if (signal.aborted) resolve(null);
      else signal.addEventListener('abort', () => resolve(null), { once: true });
    });
    try {
      // Registered before looking, so that a message arriving meanwhile is not missed.
      const metas = (await this.#store.listMessages(this.mailboxId)).filter((m) => m.uid > since);
      for (const meta of metas) {
        const summary = await this.#summary(meta);
        if (await this.#matches(terms, meta, summary)) return summary;
      }
      return await next;
    } finally {
      clearTimeout(timer);
      this.#waiters.delete(waiter!);
    }
  }

  #changed(event: StoreEvent): void {
    if (event.type === 'expunge' && event.mailboxId === this.mailboxId) {
      for (const uid of event.uids) this.#summaries.delete(uid);
      this.emit('deleted', event.uids);
    }
    if (event.type !== 'append' || event.mailboxId !== this.mailboxId) return;
    void this.#announce(event.uids).catch(() => {
      // A message expunged before it was read is simply not announced.
    });
  }

  async #announce(uids: number[]): Promise<void> {
    for (const meta of await this.#store.getMessages(this.mailboxId, uids)) {
      if (!meta) continue;
      const summary = await this.#summary(meta);
      this.emit('message', summary);
      for (const waiter of [...this.#waiters]) {
        if (await this.#matches(waiter.terms, meta, summary)) {
          this.#waiters.delete(waiter);
          waiter.done(summary);
        }
      }
    }
  }

  #matches(terms: QueryTerm[], meta: MessageMeta, summary: SandboxSummary): Promise<boolean> {
    if (terms.length === 0) return Promise.resolve(true);
    const to = [...summary.to, ...summary.recipients];
    return matches(terms, { from: summary.from, to, subject: summary.subject, text: () => this.#store.getSearchText(meta.blobId) });
  }

  async #summary(meta: MessageMeta): Promise<SandboxSummary> {
    const cached = this.#summaries.get(meta.uid);
    if (cached) return cached;
    const summary = summarize(meta, await parseRaw(await this.#read(meta)));
    if (this.#summaries.size >= SUMMARY_CACHE) this.#summaries.delete(this.#summaries.keys().next().value!);
    this.#summaries.set(meta.uid, summary);
    return summary;
  }

  async #parsed(id: number): Promise<{ meta: MessageMeta; mail: ParsedMail } | null> {
    const meta = await this.#store.getMessage(this.mailboxId, id);
    return meta && { meta, mail: await parseRaw(await this.#read(meta)) };
  }

  async #read(meta: MessageMeta): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.#store.readMessage(meta)) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
}
