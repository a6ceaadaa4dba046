import { randomBytes } from 'node:crypto';
import type { AccountId } from '../store/types.ts';

/** A message for the next page shown, once: what an action did, or why it was refused. */
export interface Flash {
  kind: 'ok' | 'error';
  text: string;
  /** A value shown once to be copied (a new app password). */
  secret?: string;
}

export interface WebSession {
  id: string;
  accountId: AccountId;
  /** The token every form of this session carries. */
  csrf: string;
  createdAt: number;
  lastSeen: number;
  flash?: Flash;
}

/** A session id: 256 random bits, base64url, as the cookie carries it. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
/** However active, a session ends after this long: a stolen cookie is not good forever. */
const MAX_AGE_MS = 12 * 3600_000;
/** Sessions kept at most: about 300 bytes each. Past it, the least recently used ends. */
const MAX_SESSIONS = 10_000;

const token = () => randomBytes(32).toString('base64url');

/**
 * Web sessions, in memory: a restart logs everyone out, which costs a login and keeps no
 * secret on disk. Kept in least-recently-used order, so expired ones are at the front.
 */
export class SessionStore {
  readonly #sessions = new Map<string, WebSession>();
  readonly #idleMs: number;
  readonly #max: number;
  readonly #now: () => number;

  constructor(idleMs: number, opts: { max?: number; now?: () => number } = {}) {
    this.#idleMs = idleMs;
    this.#max = opts.max ?? MAX_SESSIONS;
    this.#now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.#sessions.size;
  }

  create(accountId: AccountId): WebSession {
    const now = this.#now();
    this.#sweep(now);
    while (this.#sessions.size >= this.#max) this.#sessions.delete(this.#sessions.keys().next().value!);
    const session: WebSession = { id: token(), accountId, csrf: token(), createdAt: now, lastSeen: now };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session of this id, touched; null when there is none or it expired. */
  get(id: string | undefined): WebSession | null {
    if (!id || !SESSION_ID.test(id)) return null;
    const session = this.#sessions.get(id);
    if (!session) return null;
    const now = this.#now();
    this.#sessions.delete(id);
    if (this.#expired(session, now)) return null;
    session.lastSeen = now;
    this.#sessions.set(id, session);
    return session;
  }

  end(id: string): void {
    this.#sessions.delete(id);
  }

  /** Ends every session of an account (its password changed, it was disabled or removed), but `keep`. */
  endAccount(accountId: AccountId, keep?: string): void {
    for (const [id, s] of this.#sessions) if (s.accountId === accountId && id !== keep) this.#sessions.delete(id);
  }

  #expired(s: WebSession, now: number): boolean {
    return now - s.lastSeen > this.#idleMs || now - s.createdAt > MAX_AGE_MS;
  }

  /** Drops expired sessions from the front, the least recently used. */
  #sweep(now: number): void {
    for (const [id, s] of this.#sessions) {
      if (!this.#expired(s, now)) break;
      this.#sessions.delete(id);
    }
  }
}
