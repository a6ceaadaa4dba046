import type { AppPassword, AppPasswordStore } from '../app-passwords.ts';
import { StoreError, type AccountId } from '../types.ts';
import type { PgCore } from './core.ts';

interface AppPasswordRow {
  account_id: number;
  id: string;
  name: string;
  sha256: string;
  created_at: number;
}

const toAppPassword = (r: AppPasswordRow): AppPassword => ({ id: r.id, accountId: r.account_id, name: r.name, sha256: r.sha256, createdAt: r.created_at });

/** App passwords as rows that go with their account (ON DELETE CASCADE). */
export class PgAppPasswords implements AppPasswordStore {
  readonly #core: PgCore;

  constructor(core: PgCore) {
    this.#core = core;
  }

  addAppPassword(entry: AppPassword): Promise<void> {
    return this.#core.tx(async (tx) => {
      // The account row's lock orders this after a concurrent removal of the account.
      if (!(await tx`SELECT 1 FROM accounts WHERE id = ${entry.accountId} FOR UPDATE`).length) throw new StoreError('not-found', `no account with id ${entry.accountId}`);
      const inserted = await tx`INSERT INTO app_passwords (account_id, id, name, sha256, created_at)
        VALUES (${entry.accountId}, ${entry.id}, ${entry.name}, ${entry.sha256}, ${entry.createdAt}) ON CONFLICT DO NOTHING RETURNING id`;
      if (inserted.length === 0) throw new StoreError('exists', `app password ${entry.id} already exists`);
    });
  }

  async listAppPasswords(accountId: AccountId): Promise<AppPassword[]> {
    return (await this.#core.sql<AppPasswordRow[]>`SELECT * FROM app_passwords WHERE account_id = ${accountId} ORDER BY created_at, id`).map(toAppPassword);
  }

  async removeAppPassword(accountId: AccountId, id: string): Promise<void> {
    const removed = await this.#core.sql`DELETE FROM app_passwords WHERE account_id = ${accountId} AND id = ${id} RETURNING id`;
    if (removed.length === 0) throw new StoreError('not-found', `no such app password: ${id}`);
  }
}
