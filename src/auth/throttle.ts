/**
 * Authentication failure throttling shared by SMTP, IMAP and POP3 (design rule 5).
 * Failures are counted per client IP and per account name; each counted failure
 * makes the next attempt wait longer, and `maxFailures` of them refuse attempts
 * outright until `windowSeconds` have passed since the last one.
 */

export interface ThrottleSettings {
  maxFailures: number;
  windowSeconds: number;
  /** The wait after the first failure; it doubles with each further failure. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export type ThrottleVerdict = { allowed: true; delayMs: number } | { allowed: false; retryAfterSeconds: number };

interface Entry {
  count: number;
  expiresAt: number;
}

/** Past this many tracked keys, expired entries are swept on the next failure. */
const SWEEP_AT = 10_000;

export class AuthThrottle {
  readonly #settings: Required<ThrottleSettings>;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(settings: ThrottleSettings, now: () => number = Date.now) {
    this.#settings = { baseDelayMs: 250, maxDelayMs: 4000, ...settings };
    this.#now = now;
  }

  /** Asked before checking a password; the caller waits `delayMs` first. */
  check(ip: string, account: string): ThrottleVerdict {
    const now = this.#now();
    const entries = [this.#live(ipKey(ip), now), this.#live(accountKey(account), now)];
    const count = Math.max(...entries.map((e) => e?.count ?? 0));
    if (count >= this.#settings.maxFailures) {
      const until = Math.max(...entries.map((e) => (e && e.count >= this.#settings.maxFailures ? e.expiresAt : 0)));
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
    }
    const { baseDelayMs, maxDelayMs } = this.#settings;
    return { allowed: true, delayMs: count === 0 ? 0 : Math.min(maxDelayMs, baseDelayMs * 2 ** (count - 1)) };
  }

  recordFailure(ip: string, account: string): void {
    const now = this.#now();
    if (this.#entries.size > SWEEP_AT) this.#sweep(now);
    const expiresAt = now + this.#settings.windowSeconds * 1000;
    for (const key of [ipKey(ip), accountKey(account)]) {
      const entry = this.#live(key, now);
      this.#entries.set(key, { count: (entry?.count ?? 0) + 1, expiresAt });
    }
  }

  /**
   * The account's owner got in, so its count starts over. The IP's count stays:
   * one valid login must not wash away a guessing run from the same address.
   */
  recordSuccess(account: string): void {
    this.#entries.delete(accountKey(account));
  }

  #live(key: string, now: number): Entry | undefined {
    const entry = this.#entries.get(key);
    if (entry && entry.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  #sweep(now: number): void {
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
  }
}

const ipKey = (ip: string) => `ip:${ip}`;
const accountKey = (account: string) => `acct:${account.toLowerCase()}`;
