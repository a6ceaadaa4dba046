import { submissionWithin } from '../store/submission-limits.ts';
import type { AccountId, Coordination } from '../store/types.ts';

const HOUR_MS = 60 * 60 * 1000;

export interface RateLimits {
  /** 0 = unlimited. */
  messagesPerHour: number;
  recipientsPerHour: number;
}

/** The store's side: submissions counted by every node of a shared store (LevelDB: this process). */
export type SubmissionLedger = Pick<Coordination, 'submissionsSince' | 'countSubmission' | 'uncountSubmission'>;

/** A message counted against the limits before its commit. */
export interface CountedSubmission {
  /** Its message was refused or failed after all: it counts for nothing. */
  takeBack(): Promise<void>;
}

const NOTHING_COUNTED: CountedSubmission = { takeBack: async () => {} };

/**
 * What each account sent on submission in the last hour (a sliding window), so that a
 * stolen password sends little spam, counted in the store so that the limits hold
 * across every node of a shared one (docs/scale-out.md).
 */
export class SendRate {
  readonly #limits: RateLimits;
  readonly #ledger: SubmissionLedger;
  readonly #now: () => number;

  constructor(limits: RateLimits, ledger: SubmissionLedger, now: () => number = Date.now) {
    this.#limits = limits;
    this.#ledger = ledger;
    this.#now = now;
  }

  /** Whether one more message may start (checked at MAIL FROM). */
  async mayStartMessage(account: AccountId): Promise<boolean> {
    const messages = this.#limits.messagesPerHour;
    return messages === 0 || submissionWithin(await this.#sent(account), 0, { messages, recipients: 0 });
  }

  /** Whether a message with `recipients` recipients stays within the limit (checked at each RCPT). */
  async mayAddRecipients(account: AccountId, recipients: number): Promise<boolean> {
    const limit = this.#limits.recipientsPerHour;
    return limit === 0 || submissionWithin(await this.#sent(account), recipients, { messages: 0, recipients: limit });
  }

  /**
   * Counts a message before it is committed, in one step with the check, so that two
   * sessions (on any nodes) never both take the last slot: null when it no longer fits.
   */
  async count(account: AccountId, recipients: number): Promise<CountedSubmission | null> {
    const { messagesPerHour: messages, recipientsPerHour: limit } = this.#limits;
    if (messages === 0 && limit === 0) return NOTHING_COUNTED;
    const now = this.#now();
    const id = await this.#ledger.countSubmission(account, now, recipients, now - HOUR_MS, { messages, recipients: limit });
    return id === null ? null : { takeBack: () => this.#ledger.uncountSubmission(account, id) };
  }

  #sent(account: AccountId) {
    return this.#ledger.submissionsSince(account, this.#now() - HOUR_MS);
  }
}
