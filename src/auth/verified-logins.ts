import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { increment } from '../metrics/registry.ts';
import type { AccountId } from '../store/types.ts';

/** Accounts remembered at most (about 200 bytes each); past it, the least recently used is forgotten. */
const MAX_ENTRIES = 10_000;

export interface VerifiedLoginSettings {
  /** How long a verified password is remembered, from its verification; 0 remembers none. */
  ttlSeconds: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  mac: Buffer;
  expiresAt: number;
}

/**
 * Main passwords verified lately, so that a client logging in again does not cost another
 * argon2id verification (Dovecot's auth_cache does so only for a passdb that returns no hash,
keeping a bare SHA1 of the password). What is kept per account is an
 * HMAC of the account, the stored argon2id hash the password was verified against and the
 * password, under a key made at start and never written anywhere: no password, and nothing
 * that can be guessed against offline without the key. A new hash (password changed or
 * reset) no longer matches, so the entry is dead from the next login on; a wrong password
 * never matches; a failure is never remembered, and does not forget the right one, so a
 * guesser cannot push the owner back to argon2id.
 */
export class VerifiedLogins {
  readonly #key = randomBytes(32);
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** By account, least recently used first. */
  readonly #entries = new Map<AccountId, Entry>();

  constructor(settings: VerifiedLoginSettings) {
    this.#ttlMs = settings.ttlSeconds * 1000;
    this.#maxEntries = settings.maxEntries ?? MAX_ENTRIES;
    this.#now = settings.now ?? Date.now;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether `password` was verified against `passwordHash`, the account's stored hash, within the ttl. */
  has(account: AccountId, passwordHash: string, password: string): boolean {
    const entry = this.#entries.get(account);
    if (!entry) return false;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(account);
      return false;
    }
    if (!timingSafeEqual(entry.mac, this.#mac(account, passwordHash, password))) return false;
    this.#entries.delete(account);
    this.#entries.set(account, entry);
    increment('mailfold_password_cache_hits_total');
    return true;
  }

  /** Remembers a password argon2id has just verified against the account's stored hash. */
  remember(account: AccountId, passwordHash: string, password: string): void {
    if (this.#ttlMs <= 0) return;
    this.#entries.delete(account);
    this.#entries.set(account, { mac: this.#mac(account, passwordHash, password), expiresAt: this.#now() + this.#ttlMs });
    if (this.#entries.size > this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
  }

  /** Forgets the account's entry: it was disabled, so re-enabling it asks for argon2id again. */
  forget(account: AccountId): void {
    this.#entries.delete(account);
  }

  #mac(account: AccountId, passwordHash: string, password: string): Buffer {
    // Lengths first, so that no two different triples are the same bytes.
    const parts = [String(account), passwordHash, password].map((part) => Buffer.from(part, 'utf8'));
    const hmac = createHmac('sha256', this.#key);
    for (const part of parts) hmac.update(`${part.length}:`).update(part);
    return hmac.digest();
  }
}
