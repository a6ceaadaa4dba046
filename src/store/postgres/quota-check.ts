import { QuotaTally, usageOf } from '../rules/quota.ts';
import type { Tx } from './core.ts';
import { toAccount, type AccountRow } from './rows.ts';

/**
 * The quota rule (rules/quota.ts) inside a transaction: each account's row and its mailboxes'
 * counters read once; `locked`, the account rows the transaction locked already (lockAccounts), not read again.
 */
export function quotaTally(tx: Tx, locked: readonly AccountRow[] = []): QuotaTally {
  const rows = new Map(locked.map((row) => [row.id, row]));
  return new QuotaTally({
    async account(id) {
      const row = rows.get(id) ?? (await tx<AccountRow[]>`SELECT * FROM accounts WHERE id = ${id}`)[0];
      return row ? toAccount(row) : null;
    },
    usage: async (id) => usageOf(await tx<{ size: number; messages: number }[]>`SELECT size, messages FROM mailboxes WHERE account_id = ${id}`),
  });
}
