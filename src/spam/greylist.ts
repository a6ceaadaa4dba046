import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import type { SpamStore } from '../store/types.ts';

export interface GreylistSettings {
  enabled: boolean;
  /** Seconds a new triplet waits before a retry is accepted. */
  delaySeconds: number;
}

const DAY_MS = 24 * 3600 * 1000;
/** Triplets never retried are forgotten after a day; the store is pruned at most this often. */
const FORGET_MS = DAY_MS;
const PRUNE_EVERY_MS = 3600 * 1000;
/** A passed triplet idle this long is forgotten (Postgrey's max-age): the store does not grow with every sender ever seen. */
const KEEP_PASSED_MS = 35 * DAY_MS;
/** How often a passed triplet's last use is written: not a store write per message. */
const REFRESH_MS = DAY_MS;

/**
 * Greylisting (off by default): a (client network, sender, recipient) triplet seen
 * for the first time is answered 451; a retry after the delay is accepted, and so is
 * every later message of that triplet until it is idle for 35 days. Senders the recipient corresponds with skip
 * it. The network is an IPv4 /24 or an IPv6 /64: big senders retry from another
 * address of the same pool.
 */
export class Greylist {
  readonly #store: SpamStore;
  readonly #settings: GreylistSettings;
  readonly #now: () => number;
  #lastPrune = 0;

  constructor(store: SpamStore, settings: GreylistSettings, now: () => number = Date.now) {
    this.#store = store;
    this.#settings = settings;
    this.#now = now;
  }

  get enabled(): boolean {
    return this.#settings.enabled;
  }

  /** Whether this attempt may go on; false means "try again later" (451). */
  async admit(ip: string, sender: string, recipient: string): Promise<boolean> {
    const now = this.#now();
    await this.#prune(now);
    const triplet = tripletKey(ip, sender, recipient);
    const entry = await this.#store.getGreylist(triplet);
    if (entry?.passed) {
      if (now - (entry.lastSeen ?? entry.firstSeen) >= REFRESH_MS) await this.#store.putGreylist(triplet, { ...entry, lastSeen: now });
      return true;
    }
    if (!entry) {
      await this.#store.putGreylist(triplet, { firstSeen: now, passed: false });
      return false;
    }
    if (now - entry.firstSeen < this.#settings.delaySeconds * 1000) return false;
    await this.#store.putGreylist(triplet, { ...entry, passed: true, lastSeen: now });
    return true;
  }

  async #prune(now: number): Promise<void> {
    if (now - this.#lastPrune < PRUNE_EVERY_MS) return;
    this.#lastPrune = now;
    await this.#store.pruneGreylist({ unpassedBefore: now - FORGET_MS, passedBefore: now - KEEP_PASSED_MS });
  }
}

function tripletKey(ip: string, sender: string, recipient: string): string {
  const bare = ip.replace(/^::ffff:/i, '');
  const network = isIPv4(bare) ? bare.split('.').slice(0, 3).join('.') : bare.split(':').slice(0, 4).join(':');
  return createHash('sha256').update(`${network}\0${sender.toLowerCase()}\0${recipient.toLowerCase()}`).digest('hex').slice(0, 32);
}
