/** What a security event was: a refused login, a client cut for guessing recipients, a refusal of the web interface. */
export type SecurityEventKind = 'login-failed' | 'login-throttled' | 'login-disabled' | 'recipients-cut' | 'csrf-refused' | 'forbidden';

export interface SecurityEvent {
  at: number;
  kind: SecurityEventKind;
  /** imap, pop3, smtp, web... */
  service: string;
  ip: string;
  /** The account named, as the client typed it (bounded). */
  account?: string;
  detail?: string;
}

/** Enough for the admin page to show the last hour of a busy guessing attempt, at about 200 bytes each. */
const CAPACITY = 500;
const MAX_FIELD = 200;

/**
 * The last security events of this process, newest last, for the admin page. The log has
 * every one of them; this ring is a bounded copy that costs at most CAPACITY entries.
 */
class SecurityEventRing {
  readonly #entries: SecurityEvent[] = [];
  #next = 0;

  record(event: Omit<SecurityEvent, 'at'>, now = Date.now()): void {
    const bounded: SecurityEvent = {
      at: now,
      kind: event.kind,
      service: event.service.slice(0, 20),
      ip: event.ip.slice(0, 64),
      ...(event.account !== undefined ? { account: event.account.slice(0, MAX_FIELD) } : {}),
      ...(event.detail !== undefined ? { detail: event.detail.slice(0, MAX_FIELD) } : {}),
    };
    if (this.#entries.length < CAPACITY) this.#entries.push(bounded);
    else this.#entries[this.#next] = bounded;
    this.#next = (this.#next + 1) % CAPACITY;
  }

  /** Newest first. */
  recent(limit = CAPACITY): SecurityEvent[] {
    const ordered = this.#entries.length < CAPACITY ? this.#entries.slice() : [...this.#entries.slice(this.#next), ...this.#entries.slice(0, this.#next)];
    return ordered.reverse().slice(0, limit);
  }
}

/** One ring per process, like the metrics registry: every protocol's login check feeds it. */
export const securityEvents = new SecurityEventRing();
