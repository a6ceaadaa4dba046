import { QuotaTally, usageOf } from '../rules/quota.ts';
import type { Tx } from './core.ts';
import { toAccount, type AccountRow } from './rows.ts';

/** The quota rule (rules/quota.ts) inside a transaction: each account's row and its mailboxes' counters read once. */
export const quotaTally = (tx: Tx): QuotaTally =>
  new QuotaTally({
    async account(id) {
      const [row] = await tx<AccountRow[]>`SELECT * FROM accounts WHERE id = ${id}`;
      return row ? toAccount(row) : null;
    },
    usage: async (id) => usageOf(await tx<{ size: number; messages: number }[]>`SELECT size, messages FROM mailboxes WHERE account_id = ${id}`),
  });
