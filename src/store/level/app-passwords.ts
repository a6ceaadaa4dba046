import type { AppPassword, AppPasswordStore } from '../app-passwords.ts';
import { StoreError, type AccountId, type Directory } from '../types.ts';
import { del, locks, put, type LevelCore } from './core.ts';
import { keys } from './keys.ts';

/** App passwords under `apw/<account>/<id>`, written under the account's lock so that none outlives its account. */
export class LevelAppPasswords implements AppPasswordStore {
  readonly #core: LevelCore;
  readonly #accounts: Pick<Directory, 'getAccountById'>;

  constructor(core: LevelCore, accounts: Pick<Directory, 'getAccountById'>) {
    this.#core = core;
    this.#accounts = accounts;
  }

  async addAppPassword(entry: AppPassword): Promise<void> {
    await this.#core.locks.withLocks([locks.account(entry.accountId)], async () => {
      if (!(await this.#accounts.getAccountById(entry.accountId))) throw new StoreError('not-found', `no account with id ${entry.accountId}`);
      if (await this.#core.get(keys.appPassword(entry.accountId, entry.id))) throw new StoreError('exists', `app password ${entry.id} already exists`);
      await this.#core.commit([put(keys.appPassword(entry.accountId, entry.id), entry)]);
    });
  }

  async listAppPasswords(accountId: AccountId): Promise<AppPassword[]> {
    const all = await this.#core.scan<AppPassword>(keys.appPasswordPrefix(accountId));
    return all.sort((a, b) => a.createdAt - b.createdAt);
  }

  async removeAppPassword(accountId: AccountId, id: string): Promise<void> {
    await this.#core.locks.withLocks([locks.account(accountId)], async () => {
      const key = keys.appPassword(accountId, id);
      if (!(await this.#core.get(key))) throw new StoreError('not-found', `no such app password: ${id}`);
      await this.#core.commit([del(key)]);
    });
  }
}
