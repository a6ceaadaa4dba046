import type { Account, AccountId, AccountUsage, Mailbox } from '../types.ts';

/** An account's usage is the sum of its mailboxes' counters. */
export function usageOf(mailboxes: readonly Pick<Mailbox, 'size' | 'messages'>[]): AccountUsage {
  const usage = { bytes: 0, messages: 0 };
  for (const mailbox of mailboxes) {
    usage.bytes += mailbox.size;
    usage.messages += mailbox.messages;
  }
  return usage;
}

export const hasQuota = (account: Pick<Account, 'quotaBytes' | 'quotaMessages'>): boolean => account.quotaBytes > 0 || account.quotaMessages > 0;

/**
 * The one quota rule, for RCPT and for every write: null when one more message of
 * `size` bytes fits, otherwise why not. A limit of 0 means none. RCPT, before the
 * size is known, asks for 1 byte: an account at its limit takes nothing more.
 */
export function quotaProblem(account: Pick<Account, 'address' | 'quotaBytes' | 'quotaMessages'>, used: AccountUsage, size: number): string | null {
  if (account.quotaBytes > 0 && used.bytes + size > account.quotaBytes) {
    return `${account.address} is over its storage quota (${used.bytes} + ${size} > ${account.quotaBytes} bytes)`;
  }
  if (account.quotaMessages > 0 && used.messages + 1 > account.quotaMessages) {
    return `${account.address} is over its message quota (${account.quotaMessages} messages)`;
  }
  return null;
}

/** What the quota rule needs to read; each backend reads it its own way. */
export interface QuotaReads {
  account(id: AccountId): Promise<Pick<Account, 'address' | 'quotaBytes' | 'quotaMessages'> | null>;
  usage(id: AccountId): Promise<AccountUsage>;
}

/**
 * The quota rule over one batch or transaction that adds several messages: each
 * account and its usage are read once (the usage only for an account with a limit),
 * and each message the batch adds counts against the next one.
 */
export class QuotaTally {
  readonly #reads: QuotaReads;
  readonly #accounts = new Map<AccountId, Pick<Account, 'address' | 'quotaBytes' | 'quotaMessages'> | null>();
  readonly #usage = new Map<AccountId, AccountUsage>();

  constructor(reads: QuotaReads) {
    this.#reads = reads;
  }

  /** Null when one more message of `size` bytes fits the account, otherwise why not. */
  async problem(accountId: AccountId, size: number): Promise<string | null> {
    if (!this.#accounts.has(accountId)) this.#accounts.set(accountId, await this.#reads.account(accountId));
    const account = this.#accounts.get(accountId);
    if (!account) return `account ${accountId} does not exist`;
    if (!hasQuota(account)) return null;
    if (!this.#usage.has(accountId)) this.#usage.set(accountId, { ...(await this.#reads.usage(accountId)) });
    return quotaProblem(account, this.#usage.get(accountId)!, size);
  }

  /** Null when all these messages fit, counted in one after another (COPY); otherwise why the first that does not. */
  async problemOfAll(accountId: AccountId, sizes: readonly number[]): Promise<string | null> {
    for (const size of sizes) {
      const problem = await this.problem(accountId, size);
      if (problem) return problem;
      this.add(accountId, size);
    }
    return null;
  }

  /** Counts a message the batch adds (where the usage was read: without a limit it is not needed). */
  add(accountId: AccountId, size: number): void {
    const used = this.#usage.get(accountId);
    if (!used) return;
    used.bytes += size;
    used.messages++;
  }
}
