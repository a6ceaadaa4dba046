import { hasQuota, quotaProblem, usageOf } from '../rules/quota.ts';
import type { Account, AccountId, AccountUsage } from '../types.ts';
import type { Tx } from './core.ts';
import { toAccount, type AccountRow } from './rows.ts';

/** The quota rule (rules/quota.ts), the usage read once per account and transaction and grown by what it adds. */
export class QuotaCheck {
  readonly #tx: Tx;
  readonly #usage = new Map<AccountId, AccountUsage>();
  readonly #accounts = new Map<AccountId, Account | null>();

  /** `locked`: the account rows the transaction locked already (lockAccounts), not read again. */
  constructor(tx: Tx, locked: readonly AccountRow[] = []) {
    this.#tx = tx;
    for (const row of locked) this.#accounts.set(row.id, toAccount(row));
  }

  async problem(accountId: AccountId, size: number): Promise<string | null> {
    if (!this.#accounts.has(accountId)) {
      const [row] = await this.#tx<AccountRow[]>`SELECT * FROM accounts WHERE id = ${accountId}`;
      this.#accounts.set(accountId, row ? toAccount(row) : null);
    }
    const account = this.#accounts.get(accountId);
    if (!account) return `account ${accountId} does not exist`;
    if (!hasQuota(account)) return null;
    if (!this.#usage.get(accountId)) {
      this.#usage.set(accountId, usageOf(await this.#tx<{ size: number; messages: number }[]>`SELECT size, messages FROM mailboxes WHERE account_id = ${accountId}`));
    }
    return quotaProblem(account, this.#usage.get(accountId)!, size);
  }

  add(accountId: AccountId, size: number): void {
    const used = this.#usage.get(accountId);
    if (!used) return;
    used.bytes += size;
    used.messages++;
  }
}
