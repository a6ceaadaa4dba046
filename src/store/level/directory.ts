import type { ScramKeys } from '../../auth/scram.ts';
import { DEFAULT_MAILBOXES } from '../rules/mailbox.ts';
import { usageOf } from '../rules/quota.ts';
import type { Release } from '../rules/references.ts';
import { StoreError, type Account, type AccountId, type AccountUsage, type Alias, type Directory, type Domain } from '../types.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, locks, put, type LevelCore } from './core.ts';
import { keys } from './keys.ts';
import { freeBlobOps, listMailboxes, mailboxRemovalOps, newMailboxOps } from './mailbox-records.ts';

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/** Domains, accounts and aliases in LevelDB; reads go through the core's directory cache. */
export class LevelDirectory implements Directory {
  readonly #core: LevelCore;

  constructor(core: LevelCore) {
    this.#core = core;
  }

  async addDomain(name: string): Promise<Domain> {
    return this.#core.locks.withLocks([locks.admin], async () => {
      if (await this.getDomain(name)) throw new StoreError('exists', `domain ${name} already exists`);
      const domain: Domain = { name, createdAt: Date.now() };
      await this.#core.commit([put(keys.domain(name), domain)]);
      return domain;
    });
  }

  getDomain(name: string): Promise<Domain | null> {
    return this.#core.getDirectory<Domain>(keys.domain(name));
  }

  listDomains(): Promise<Domain[]> {
    return this.#core.scan<Domain>(keys.domainPrefix);
  }

  async removeDomain(name: string): Promise<void> {
    await this.#core.locks.withLocks([locks.admin], async () => {
      if (!(await this.getDomain(name))) throw new StoreError('not-found', `no such domain: ${name}`);
      const accounts = await this.listAccounts(name);
      const aliases = await this.listAliases(name);
      if (accounts.length > 0 || aliases.length > 0) {
        throw new StoreError(
          'conflict',
          `domain ${name} still has ${accounts.length} account(s) and ${aliases.length} alias(es); remove them first`,
        );
      }
      // Its DKIM keys go with it: they sign for no one once the domain is gone.
      const dkim = await this.#core.scanKeys(keys.dkimKeyPrefix(name));
      await this.#core.commit([del(keys.domain(name)), ...dkim.map(del)]);
    });
  }

  async addAccount(input: { address: string; passwordHash: string; scram?: ScramKeys; quotaBytes: number; quotaMessages: number; admin?: boolean }): Promise<Account> {
    return this.#core.locks.withLocks([locks.admin], async () => {
      const { address } = input;
      const domain = domainOf(address);
      if (!(await this.getDomain(domain))) throw new StoreError('not-found', `no such domain: ${domain} (add it with \`mailfold domain add ${domain}\`)`);
      if (await this.getAccount(address)) throw new StoreError('exists', `account ${address} already exists`);
      if (await this.getAlias(address)) throw new StoreError('exists', `${address} is already an alias`);
      const account: Account = { id: this.#core.counters.nextAccountId++, disabled: false, createdAt: Date.now(), ...input };
      const ops: BatchOp[] = [put(keys.account(address), account), put(keys.accountById(account.id), address)];
      for (const { name, specialUse } of DEFAULT_MAILBOXES) ops.push(...newMailboxOps(this.#core, account.id, name, specialUse, true).ops);
      ops.push(this.#core.countersOp());
      await this.#core.commit(ops);
      return account;
    });
  }

  getAccount(address: string): Promise<Account | null> {
    return this.#core.getDirectory<Account>(keys.account(address));
  }

  async getAccountById(id: AccountId): Promise<Account | null> {
    const address = await this.#core.getDirectory<string>(keys.accountById(id));
    return address === null ? null : this.getAccount(address);
  }

  async listAccounts(domain?: string): Promise<Account[]> {
    const all = await this.#core.scan<Account>(keys.accountPrefix);
    return domain === undefined ? all : all.filter((a) => domainOf(a.address) === domain);
  }

  async updateAccount(
    address: string,
    patch: Partial<Pick<Account, 'passwordHash' | 'scram' | 'disabled' | 'quotaBytes' | 'quotaMessages' | 'admin'>>,
  ): Promise<Account> {
    return this.#core.locks.withLocks([locks.admin], async () => {
      const account = await this.getAccount(address);
      if (!account) throw new StoreError('not-found', `no such account: ${address}`);
      const updated = { ...account, ...patch };
      await this.#core.commit([put(keys.account(address), updated)]);
      return updated;
    });
  }

  async removeAccount(address: string): Promise<void> {
    const account = await this.getAccount(address);
    if (!account) throw new StoreError('not-found', `no such account: ${address}`);
    await this.#core.locks.withLocks([locks.admin, locks.account(account.id), locks.blobs], async () => {
      const ops: BatchOp[] = [del(keys.account(address)), del(keys.accountById(account.id))];
      for (const key of await this.#core.scanKeys(keys.importMarkPrefix(account.id))) ops.push(del(key));
      for (const key of await this.#core.scanKeys(keys.appPasswordPrefix(account.id))) ops.push(del(key));
      // The spam filter's data of the account (issue 15).
      ops.push(del(keys.spamTotals(account.id)));
      for (const prefix of keys.spamAccountPrefixes(account.id)) for (const key of await this.#core.scanKeys(prefix)) ops.push(del(key));
      const released: Release[] = [];
      for (const mailbox of await listMailboxes(this.#core, account.id)) {
        const removal = await mailboxRemovalOps(this.#core, mailbox);
        ops.push(...removal.ops);
        released.push(...removal.released);
      }
      ops.push(...(await freeBlobOps(this.#core, released)));
      for (const key of await this.#core.scanKeys(keys.subscriptionPrefix(account.id))) ops.push(del(key));
      for (const key of await this.#core.scanKeys(keys.sievePrefix(account.id))) ops.push(del(key));
      await this.#core.commit(ops);
    });
    this.#core.emit({ type: 'mailboxes', accountId: account.id });
  }

  async accountUsage(accountId: AccountId): Promise<AccountUsage> {
    return usageOf(await listMailboxes(this.#core, accountId));
  }

  async addAlias(address: string, targets: string[]): Promise<Alias> {
    return this.#core.locks.withLocks([locks.admin], async () => {
      const domain = domainOf(address);
      if (!(await this.getDomain(domain))) throw new StoreError('not-found', `no such domain: ${domain}`);
      if (await this.getAccount(address)) throw new StoreError('exists', `${address} is already an account`);
      if (await this.getAlias(address)) throw new StoreError('exists', `alias ${address} already exists`);
      const alias: Alias = { address, targets, createdAt: Date.now() };
      await this.#core.commit([put(keys.alias(address), alias)]);
      return alias;
    });
  }

  getAlias(address: string): Promise<Alias | null> {
    return this.#core.getDirectory<Alias>(keys.alias(address));
  }

  async listAliases(domain?: string): Promise<Alias[]> {
    const all = await this.#core.scan<Alias>(keys.aliasPrefix);
    return domain === undefined ? all : all.filter((a) => domainOf(a.address) === domain);
  }

  async removeAlias(address: string): Promise<void> {
    await this.#core.locks.withLocks([locks.admin], async () => {
      if (!(await this.getAlias(address))) throw new StoreError('not-found', `no such alias: ${address}`);
      await this.#core.commit([del(keys.alias(address))]);
    });
  }
}
