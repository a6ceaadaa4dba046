import { increment } from '../metrics/registry.ts';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { toCrlf } from '../delivery/line-endings.ts';
import { StoreError, type Directory, type MailStore, type QueueEntry, type QueueId, type QueueStore, type SieveStore, type Vault } from '../store/types.ts';

/** A recipient as it enters the queue, with the DSN wishes its sender gave (RFC 3461). */
export interface NewRecipient {
  address: string;
  notify?: string[];
  orcpt?: string;
}

export interface NewEntry {
  from: string;
  recipients: NewRecipient[];
  envid?: string;
  ret?: 'FULL' | 'HDRS';
  /** RFC 8689, as in QueueEntry. */
  requireTls?: boolean;
}

/** How long a claim on an entry lasts: longer than any attempt (a node that dies holding one frees it when it runs out). */
const CLAIM_MS = 30 * 60_000;

/** What an admin asked for while the runner was trying the entry; applied when it is done. */
interface Pending {
  retry: boolean;
  remove: boolean;
}

/** After each change: the entry as it now is, or null once it left the queue. */
export interface QueueEvents {
  change: [id: QueueId, entry: QueueEntry | null];
}

/**
 * The outbound queue as everyone else sees it: SMTP and `deliver` put messages in,
 * the admin API lists, retries and removes them, and the runner takes them out to
 * try them. Works on the store alone, so the CLI can use it with no server running;
 * a started runner attaches itself to be woken up.
 */
export class OutboundQueue extends EventEmitter<QueueEvents> {
  readonly store: Directory & MailStore & QueueStore & Vault & SieveStore;
  #wake: () => void = () => {};
  readonly #busy = new Map<QueueId, Pending>();
  /** This process's name in the store's queue claims. */
  readonly #holder = randomBytes(8).toString('hex');

  constructor(store: Directory & MailStore & QueueStore & Vault & SieveStore) {
    super();
    this.store = store;
  }

  /** One entry for every recipient, committed (synced) before this returns. */
  async enqueue(input: NewEntry, raw: Buffer): Promise<QueueEntry> {
    const now = Date.now();
    const entry = await this.store.enqueue(
      {
        from: input.from,
        createdAt: now,
        delayWarned: false,
        ...(input.envid === undefined ? {} : { envid: input.envid }),
        ...(input.ret === undefined ? {} : { ret: input.ret }),
        ...(input.requireTls === undefined ? {} : { requireTls: input.requireTls }),
        recipients: input.recipients.map((r) => ({ ...r, state: 'pending', attempts: 0, nextAttempt: now })),
      },
      toCrlf(raw),
    );
    increment('mailfold_messages_queued_total');
    this.emit('change', entry.id, entry);
    this.#wake();
    return entry;
  }

  list(): Promise<QueueEntry[]> {
    return this.store.listQueue();
  }

  async show(id: QueueId): Promise<QueueEntry> {
    const entry = await this.store.getQueueEntry(id);
    if (!entry) throw new StoreError('not-found', `no queued message ${id}`);
    return entry;
  }

  /** Makes an entry's pending recipients due now; a held one must be released instead. */
  async retry(id: QueueId): Promise<QueueEntry> {
    const entry = await this.show(id);
    if (entry.heldAt !== undefined) throw new StoreError('conflict', `${id} is held: release it to have it tried`);
    const busy = this.#busy.get(id);
    if (busy) busy.retry = true;
    else await this.#dueNow(entry);
    this.#wake();
    return entry;
  }

  /** Makes every pending recipient of every entry not held due now; returns how many entries that is. */
  async flush(): Promise<number> {
    const entries = (await this.list()).filter((e) => e.heldAt === undefined);
    for (const entry of entries) {
      const busy = this.#busy.get(entry.id);
      if (busy) busy.retry = true;
      else await this.#dueNow(entry);
    }
    this.#wake();
    return entries.length;
  }

  /** Removes an entry without any report to its sender; one being tried goes when the attempt ends. */
  async remove(id: QueueId): Promise<QueueEntry> {
    const entry = await this.show(id);
    const busy = this.#busy.get(id);
    if (busy) busy.remove = true;
    else if (await this.store.removeQueueEntry(id)) this.emit('change', id, null);
    return entry;
  }

  /**
   * Holds an entry (postsuper -h): the runner leaves it alone and it does not expire until
   * released. An attempt already under way finishes; a held entry stays as it was held.
   */
  async hold(id: QueueId): Promise<QueueEntry> {
    const entry = await this.show(id);
    if (entry.heldAt !== undefined) return entry;
    return this.#changed(await this.store.holdQueueEntry(id, Date.now()), id);
  }

  /**
   * Releases a held entry: its pending recipients are due now, and from then on it expires
   * by its arrival time like any other (postsuper -H), so one held past the queue lifetime
   * is given up at its first temporary failure.
   */
  async unhold(id: QueueId): Promise<QueueEntry> {
    const entry = await this.show(id);
    if (entry.heldAt === undefined) return entry;
    const released = this.#changed(await this.store.holdQueueEntry(id, null), id);
    const busy = this.#busy.get(id);
    if (busy) busy.retry = true;
    else await this.#dueNow(released);
    this.#wake();
    return released;
  }

  #changed(entry: QueueEntry | null, id: QueueId): QueueEntry {
    if (!entry) throw new StoreError('not-found', `no queued message ${id}`);
    this.emit('change', entry.id, entry);
    return entry;
  }

  async #dueNow(entry: QueueEntry): Promise<void> {
    const now = Date.now();
    for (const r of entry.recipients) if (r.state === 'pending') r.nextAttempt = now;
    if (await this.store.updateQueueEntry(entry)) this.emit('change', entry.id, entry);
  }

  /** The runner: be called when something becomes due. */
  attach(wake: () => void): void {
    this.#wake = wake;
  }

  detach(): void {
    this.#wake = () => {};
  }

  isBusy(id: QueueId): boolean {
    return this.#busy.has(id);
  }

  /**
   * The runner takes an entry to try it: the entry as it is once claimed, or null when
   * it is being tried already, here or by another node sharing the store (which then
   * holds its claim there), or is gone or, read again, no longer `due` (another node
   * tried it meanwhile).
   */
  async claim(id: QueueId, due: (entry: QueueEntry) => boolean): Promise<QueueEntry | null> {
    if (this.#busy.has(id)) return null;
    this.#busy.set(id, { retry: false, remove: false });
    try {
      if (await this.store.claimQueueEntry(id, this.#holder, Date.now() + CLAIM_MS)) {
        const entry = await this.store.getQueueEntry(id);
        if (entry && due(entry)) return entry;
        await this.store.claimQueueEntry(id, this.#holder, 0);
      }
    } catch {
      // A store that cannot be read now is tried again at the next scan.
    }
    this.#busy.delete(id);
    return null;
  }

  /** The runner is done: `next` is the entry's new state, or null when it leaves the queue. */
  async release(id: QueueId, next: QueueEntry | null): Promise<void> {
    const pending = this.#busy.get(id) ?? { retry: false, remove: false };
    let after: QueueEntry | null = null;
    try {
      if (next === null || pending.remove) {
        await this.store.removeQueueEntry(id);
        return;
      }
      if (pending.retry) for (const r of next.recipients) if (r.state === 'pending') r.nextAttempt = Date.now();
      if (await this.store.updateQueueEntry(next)) after = next;
    } finally {
      await this.store.claimQueueEntry(id, this.#holder, 0).catch(() => false);
      // Not busy any more by the time anyone hears of the change.
      this.#busy.delete(id);
      this.emit('change', id, after);
    }
  }
}
