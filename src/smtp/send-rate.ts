import type { AccountId } from '../store/types.ts';

const HOUR_MS = 60 * 60 * 1000;

export interface RateLimits {
  /** 0 = unlimited. */
  messagesPerHour: number;
  recipientsPerHour: number;
}

/**
 * What each account sent on submission in the last hour (a sliding window), so
 * that a stolen password sends little spam. Kept in memory: a restart forgives,
 * which costs at most one more hour's worth.
 */
export class SendRate {
  readonly #limits: RateLimits;
  readonly #now: () => number;
  readonly #sent = new Map<AccountId, { at: number; recipients: number }[]>();

  constructor(limits: RateLimits, now: () => number = Date.now) {
    this.#limits = limits;
    this.#now = now;
  }

  #recent(account: AccountId): { at: number; recipients: number }[] {
    const since = this.#now() - HOUR_MS;
    const list = (this.#sent.get(account) ?? []).filter((s) => s.at > since);
    if (list.length === 0) this.#sent.delete(account);
    else this.#sent.set(account, list);
    return list;
  }

  /** Whether one more message may start (checked at MAIL FROM). */
  mayStartMessage(account: AccountId): boolean {
    const max = this.#limits.messagesPerHour;
    return max === 0 || this.#recent(account).length < max;
  }

  /** Whether a message with `recipients` recipients stays within the limit (checked at each RCPT). */
  mayAddRecipients(account: AccountId, recipients: number): boolean {
    const max = this.#limits.recipientsPerHour;
    return max === 0 || this.#recent(account).reduce((sum, s) => sum + s.recipients, 0) + recipients <= max;
  }

  /** Counts a message once it was accepted. */
  record(account: AccountId, recipients: number): void {
    if (this.#limits.messagesPerHour === 0 && this.#limits.recipientsPerHour === 0) return;
    this.#sent.set(account, [...this.#recent(account), { at: this.#now(), recipients }]);
  }
}
