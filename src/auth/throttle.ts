import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { clientKey } from '../net/client-key.ts';
import { KeyedLimiter } from '../net/keyed-limiter.ts';
import type { Coordination } from '../store/types.ts';
import type { CheckSource } from './password.ts';

/**
 * Password guessing limits shared by SMTP, IMAP and POP3 (design rules 5 and 8).
 *
 * A check counts as a failure from the moment it starts until it ends, and each
 * attempt is judged at its turn: a burst of guesses sent at once meets the limits as
 * surely as one guess after another.
 * - Per client address (an IPv4 address or an IPv6 /64): each failure makes the next
 *   attempt wait longer, and `ipMaxFailures` of them refuse the address outright.
 * - Per account: `maxFailures` failures from addresses that never logged in to it refuse
 *   further attempts from such addresses. An address the owner logged in from before is
 *   not locked out, so guessing from elsewhere cannot lock the owner's devices out.
 * - At most `checksPerIp` checks run at once per address and `checksPerAccount` per
 *   account; an address may have `queuePerIp` more waiting, past that it is refused at once.
 * Counts expire `windowSeconds` after an address's or account's last failure.
 * With a store shared by several nodes (PostgreSQL), each failure is recorded there too
 * and each new attempt first learns the counts the other nodes recorded: a guesser that
 * spreads its attempts over the nodes meets the same limits (docs/scale-out.md).
 */
export interface ThrottleSettings {
  maxFailures: number;
  windowSeconds: number;
  ipMaxFailures?: number;
  /** The wait after the first failure; it doubles with each further failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  checksPerIp?: number;
  checksPerAccount?: number;
  queuePerIp?: number;
  /** How many (account, address) pairs that logged in are remembered; the least recent go first. */
  knownPairs?: number;
}

/** Which limit refused an attempt: the address's failures, the account's, or too many attempts in flight. */
export type ThrottleLimit = 'address' | 'account' | 'busy';
export interface Refusal {
  limit: ThrottleLimit;
  retryAfterSeconds: number;
}

/** How a check ended: a right password, a wrong one, or neither (a disabled account, an error). */
export type CheckOutcome = 'success' | 'failure' | 'neither';

interface Entry {
  count: number;
  expiresAt: number;
}

/** What an attempt caught by shutdown gets: the client tries again, on this server's next run or another node. */
const CLOSING: Refusal = { limit: 'busy', retryAfterSeconds: 1 };

/** Past this many tracked keys, expired entries are swept on the next failure. */
const SWEEP_AT = 10_000;
/**
 * A hard bound on tracked keys (about 15 MB), reached only by a flood from very many
 * addresses within one window: the oldest entries are dropped first, down to `KEEP`, so
 * that the next sweep is thousands of failures away and each costs little on average.
 */
const MAX_ENTRIES = 100_000;
const KEEP = 90_000;
/** No address is longer (RFC 5321 4.5.3.1); a longer user name is a key only up to here. */
const MAX_NAME = 320;

export class AuthThrottle {
  readonly #settings: Required<ThrottleSettings>;
  readonly #now: () => number;
  readonly #failures = new Map<string, Entry>();
  /** Attempts waiting for their turn or running, per address: bounded by checksPerIp + queuePerIp. */
  readonly #queued = new Map<string, number>();
  /** Checks running, per address and account: they count as failures until they end. */
  readonly #running = new Map<string, number>();
  /** `account address-key` of every successful login, least recently used first. */
  readonly #known = new Map<string, true>();
  readonly #perIp: KeyedLimiter;
  readonly #perAccount: KeyedLimiter;
  readonly #closing = new AbortController();
  /** The size that triggers the next sweep: twice what a sweep left, so sweeping stays cheap on average. */
  #sweepAt = SWEEP_AT;

  readonly #shared: FailureLedger | null;

  constructor(settings: ThrottleSettings, now: () => number = Date.now, shared: FailureLedger | null = null) {
    this.#shared = shared;
    this.#settings = {
      ipMaxFailures: 20,
      baseDelayMs: 250,
      maxDelayMs: 4000,
      checksPerIp: 2,
      checksPerAccount: 2,
      queuePerIp: 8,
      knownPairs: 10_000,
      ...settings,
    };
    this.#now = now;
    this.#perIp = new KeyedLimiter(this.#settings.checksPerIp);
    this.#perAccount = new KeyedLimiter(this.#settings.checksPerAccount);
    // Every delay in progress listens to it: two per address, any number of addresses.
    setMaxListeners(0, this.#closing.signal);
  }

  /**
   * Runs one password check under the limits, or refuses it without running it. An
   * address's attempts queue (a bounded number, refused past it at once), and each is
   * judged when its turn comes, counting the failures recorded and the checks still
   * running: so attempts sent together meet the limits one after the other, while a
   * household's devices logging in together simply wait their turn.
   */
  async guard<T>(ip: string, account: string, check: (source: CheckSource) => Promise<{ outcome: CheckOutcome; value: T }>): Promise<{ refused: Refusal } | { value: T }> {
    const source = clientKey(ip);
    const name = account.slice(0, MAX_NAME).toLowerCase();
    const known = this.#known.has(pairKey(name, source));
    // A device that logged in before neither counts towards nor meets the account's lockout.
    const keys = known ? [ipKey(source)] : [ipKey(source), accountKey(name)];
    const refused = this.#closing.signal.aborted ? CLOSING : this.#refusal(source, name, known, true);
    if (refused) return { refused };
    add(this.#queued, ipKey(source), 1);
    try {
      // Once queued, so that a flood from one address makes no more reads than it may queue attempts.
      if (this.#shared) await this.#learnShared(this.#shared, keys);
      return await this.#perIp.run(source, async () => {
        const wait = this.#delayMs(source, name, known);
        if (wait > 0) await delay(wait, undefined, { signal: this.#closing.signal }).catch(() => {});
        if (this.#closing.signal.aborted) return { refused: CLOSING };
        return await this.#perAccount.run(name, async () => {
          // Judged again at its turn, before the first await: the attempts ahead have ended or are counted as running.
          const late = this.#refusal(source, name, known, false);
          if (late) return { refused: late };
          for (const key of keys) add(this.#running, key, 1);
          let outcome = 'neither' as CheckOutcome;
          try {
            const failedRecently = this.#live(ipKey(source), this.#now()) !== undefined;
            const result = await check({ key: source, known, failedRecently });
            outcome = result.outcome;
            return { value: result.value };
          } finally {
            // In one step, so that no attempt judged now sees neither this one running nor its failure.
            for (const key of keys) add(this.#running, key, -1);
            if (outcome === 'failure') await this.#recordFailure(keys);
            if (outcome === 'success') this.#remember(pairKey(name, source));
          }
        });
      });
    } finally {
      add(this.#queued, ipKey(source), -1);
    }
  }

  /** Server shutdown: attempts still waiting for their turn or their delay end at once, refused. */
  close(): void {
    this.#closing.abort();
  }

  /** `arriving`: a new attempt, refused when its address has too many queued; else one whose turn came. */
  #refusal(source: string, name: string, known: boolean, arriving: boolean): Refusal | null {
    const now = this.#now();
    const { ipMaxFailures, maxFailures, checksPerIp, queuePerIp, windowSeconds } = this.#settings;
    const ip = ipKey(source);
    if (arriving && (this.#queued.get(ip) ?? 0) >= checksPerIp + queuePerIp) {
      return { limit: 'busy', retryAfterSeconds: Math.max(1, Math.ceil(this.#delayMs(source, name, known) / 1000)) };
    }
    const over = (key: string, max: number): number | null => {
      const entry = this.#live(key, now);
      if ((entry?.count ?? 0) + (this.#running.get(key) ?? 0) < max) return null;
      // Reached with checks still running: they will most likely fail and start the window anew.
      const until = entry && entry.count >= max ? entry.expiresAt : now + windowSeconds * 1000;
      return Math.max(1, Math.ceil((until - now) / 1000));
    };
    const byIp = over(ip, ipMaxFailures);
    if (byIp !== null) return { limit: 'address', retryAfterSeconds: byIp };
    const byAccount = known ? null : over(accountKey(name), maxFailures);
    if (byAccount !== null) return { limit: 'account', retryAfterSeconds: byAccount };
    return null;
  }

  /** The wait before a check: it grows with the address's failures, and the account's for a new address. */
  #delayMs(source: string, name: string, known: boolean): number {
    const now = this.#now();
    const counts = [this.#live(ipKey(source), now)?.count ?? 0, known ? 0 : (this.#live(accountKey(name), now)?.count ?? 0)];
    const count = Math.max(...counts);
    const { baseDelayMs, maxDelayMs } = this.#settings;
    return count === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** (count - 1));
  }

  /** Counted here at once (before any await: see guard), then in the shared store before the client hears of it. */
  async #recordFailure(keys: string[]): Promise<void> {
    const now = this.#now();
    if (this.#failures.size >= this.#sweepAt) this.#sweep(now);
    const expiresAt = now + this.#settings.windowSeconds * 1000;
    for (const key of keys) {
      const entry = this.#live(key, now);
      this.#failures.set(key, { count: (entry?.count ?? 0) + 1, expiresAt });
    }
    // The database unreachable: this node still counts for itself.
    await this.#shared?.recordLoginFailures(keys, now, expiresAt).catch(() => {});
  }

  /** Takes the other nodes' counts where they are higher than this node's (they include this node's own). */
  async #learnShared(shared: FailureLedger, keys: string[]): Promise<void> {
    const now = this.#now();
    const counts = await shared.loginFailures(keys, now).catch(() => new Map<string, Entry>());
    for (const [key, shared] of counts) {
      const local = this.#live(key, now);
      if (!local || shared.count > local.count) this.#failures.set(key, { count: shared.count, expiresAt: Math.max(shared.expiresAt, local?.expiresAt ?? 0) });
    }
  }

  #remember(pair: string): void {
    this.#known.delete(pair);
    this.#known.set(pair, true);
    if (this.#known.size > this.#settings.knownPairs) this.#known.delete(this.#known.keys().next().value!);
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#failures.get(key);
    if (entry && entry.expiresAt <= now) {
      this.#failures.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#failures) if (entry.expiresAt <= now) this.#failures.delete(key);
    if (this.#failures.size > KEEP) {
      for (const key of this.#failures.keys()) {
        if (this.#failures.size <= KEEP) break;
        this.#failures.delete(key);
      }
    }
    this.#sweepAt = Math.min(MAX_ENTRIES, Math.max(SWEEP_AT, 2 * this.#failures.size));
  }
}

/** The store's side of the throttle: failures recorded by every node of a shared store. */
export type FailureLedger = Pick<Coordination, 'recordLoginFailures' | 'loginFailures'>;

const ipKey = (source: string) => `ip:${source}`;
const accountKey = (account: string) => `acct:${account}`;
const pairKey = (account: string, source: string) => `${account} ${source}`;

/** Adds `by` to a key's count, dropping the key at zero. */
function add(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}
