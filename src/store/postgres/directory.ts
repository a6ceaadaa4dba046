import type { ScramKeys } from '../../auth/scram.ts';
import { DEFAULT_MAILBOXES } from '../rules/mailbox.ts';
import { usageOf } from '../rules/quota.ts';
import { StoreError, type Account, type AccountId, type AccountUsage, type Alias, type Directory, type Domain } from '../types.ts';
import type { PgCore, Tx } from './core.ts';
import { freeBlobs, insertMailbox, lockCounters, refOf, saveCounters } from './mailbox-rows.ts';
import { toAccount, toAlias, toDomain, type AccountRow } from './rows.ts';

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);

/** Directory changes take this advisory lock: an address is an account or an alias, checked across both tables. */
const DIRECTORY_LOCK = 0x6d66_0002;
const directoryLock = (tx: Tx) => tx`SELECT pg_advisory_xact_lock(${DIRECTORY_LOCK})`;

/** Domains, accounts and aliases in PostgreSQL. */
export class PgDirectory implements Directory {
  readonly #core: PgCore;

  constructor(core: PgCore) {
    this.#core = core;
  }

  addDomain(name: string): Promise<Domain> {
    return this.#core.tx(async (tx) => {
      const domain: Domain = { name, createdAt: Date.now() };
      const inserted = await tx`INSERT INTO domains (name, created_at) VALUES (${name}, ${domain.createdAt}) ON CONFLICT DO NOTHING RETURNING name`;
      if (inserted.length === 0) throw new StoreError('exists', `domain ${name} already exists`);
      return domain;
    });
  }

  async getDomain(name: string): Promise<Domain | null> {
    const [row] = await this.#core.sql<{ name: string; created_at: number }[]>`SELECT name, created_at FROM domains WHERE name = ${name}`;
    return row ? toDomain(row) : null;
  }

  async listDomains(): Promise<Domain[]> {
    return (await this.#core.sql<{ name: string; created_at: number }[]>`SELECT name, created_at FROM domains ORDER BY name`).map(toDomain);
  }

  async removeDomain(name: string): Promise<void> {
    await this.#core.tx(async (tx) => {
      await directoryLock(tx);
      const [row] = await tx<{ accounts: number; aliases: number }[]>`
        SELECT (SELECT count(*) FROM accounts WHERE domain = ${name})::int AS accounts, (SELECT count(*) FROM aliases WHERE domain = ${name})::int AS aliases`;
      if (!(await tx`SELECT 1 FROM domains WHERE name = ${name}`).length) throw new StoreError('not-found', `no such domain: ${name}`);
      if (row!.accounts > 0 || row!.aliases > 0) {
        throw new StoreError('conflict', `domain ${name} still has ${row!.accounts} account(s) and ${row!.aliases} alias(es); remove them first`);
      }
      // Its DKIM keys go with it (ON DELETE CASCADE): they sign for no one once the domain is gone.
      await tx`DELETE FROM domains WHERE name = ${name}`;
    });
  }

  addAccount(input: { address: string; passwordHash: string; scram?: ScramKeys; quotaBytes: number; quotaMessages: number; admin?: boolean }): Promise<Account> {
    return this.#core.tx(async (tx) => {
      await directoryLock(tx);
      const { address } = input;
      const domain = domainOf(address);
      if (!(await tx`SELECT 1 FROM domains WHERE name = ${domain}`).length) throw new StoreError('not-found', `no such domain: ${domain} (add it with \`mailfold domain add ${domain}\`)`);
      if ((await tx`SELECT 1 FROM accounts WHERE address = ${address}`).length) throw new StoreError('exists', `account ${address} already exists`);
      if ((await tx`SELECT 1 FROM aliases WHERE address = ${address}`).length) throw new StoreError('exists', `${address} is already an alias`);
      const counters = await lockCounters(tx);
      const account: Account = { id: counters.nextAccountId++, disabled: false, createdAt: Date.now(), ...input };
      await tx`INSERT INTO accounts (id, address, domain, password_hash, scram, quota_bytes, quota_messages, disabled, created_at, admin)
        VALUES (${account.id}, ${address}, ${domain}, ${account.passwordHash}, ${account.scram ? tx.json(account.scram as never) : null},
          ${account.quotaBytes}, ${account.quotaMessages}, false, ${account.createdAt}, ${account.admin === true})`;
      for (const { name, specialUse } of DEFAULT_MAILBOXES) await insertMailbox(tx, counters, account.id, name, specialUse, true);
      await saveCounters(tx, counters);
      return account;
    });
  }

  async getAccount(address: string): Promise<Account | null> {
    const [row] = await this.#core.sql<AccountRow[]>`SELECT * FROM accounts WHERE address = ${address}`;
    return row ? toAccount(row) : null;
  }

  async getAccountById(id: AccountId): Promise<Account | null> {
    const [row] = await this.#core.sql<AccountRow[]>`SELECT * FROM accounts WHERE id = ${id}`;
    return row ? toAccount(row) : null;
  }

  async listAccounts(domain?: string): Promise<Account[]> {
    const rows =
      domain === undefined
        ? await this.#core.sql<AccountRow[]>`SELECT * FROM accounts ORDER BY address`
        : await this.#core.sql<AccountRow[]>`SELECT * FROM accounts WHERE domain = ${domain} ORDER BY address`;
    return rows.map(toAccount);
  }

  updateAccount(address: string, patch: Partial<Pick<Account, 'passwordHash' | 'scram' | 'disabled' | 'quotaBytes' | 'quotaMessages' | 'admin'>>): Promise<Account> {
    return this.#core.tx(async (tx) => {
      const [row] = await tx<AccountRow[]>`SELECT * FROM accounts WHERE address = ${address} FOR UPDATE`;
      if (!row) throw new StoreError('not-found', `no such account: ${address}`);
      const updated = { ...toAccount(row), ...patch };
      await tx`UPDATE accounts SET password_hash = ${updated.passwordHash}, scram = ${updated.scram ? tx.json(updated.scram as never) : null},
        disabled = ${updated.disabled}, quota_bytes = ${updated.quotaBytes}, quota_messages = ${updated.quotaMessages}, admin = ${updated.admin === true} WHERE id = ${updated.id}`;
      return updated;
    });
  }

  async removeAccount(address: string): Promise<void> {
    const account = await this.getAccount(address);
    if (!account) throw new StoreError('not-found', `no such account: ${address}`);
    await this.#core.tx(async (tx) => {
      await directoryLock(tx);
      await tx`SELECT id FROM accounts WHERE id = ${account.id} FOR UPDATE`;
      const refs = await tx<{ blob_id: string; mailbox_id: number; uid: number }[]>`
        DELETE FROM messages WHERE mailbox_id IN (SELECT id FROM mailboxes WHERE account_id = ${account.id}) RETURNING blob_id, mailbox_id, uid`;
      // Mailboxes, expunge records, subscriptions, marks and annotations go by ON DELETE CASCADE.
      await tx`DELETE FROM accounts WHERE id = ${account.id}`;
      await freeBlobs(tx, refs.map((r) => ({ blobId: r.blob_id, ref: refOf(r.mailbox_id, r.uid) })));
      await this.#core.log(tx, [{ type: 'mailboxes', accountId: account.id }]);
    });
    this.#core.emit({ type: 'mailboxes', accountId: account.id });
  }

  async accountUsage(accountId: AccountId): Promise<AccountUsage> {
    return usageOf(await this.#core.sql<{ size: number; messages: number }[]>`SELECT size, messages FROM mailboxes WHERE account_id = ${accountId}`);
  }

  addAlias(address: string, targets: string[]): Promise<Alias> {
    return this.#core.tx(async (tx) => {
      await directoryLock(tx);
      const domain = domainOf(address);
      if (!(await tx`SELECT 1 FROM domains WHERE name = ${domain}`).length) throw new StoreError('not-found', `no such domain: ${domain}`);
      if ((await tx`SELECT 1 FROM accounts WHERE address = ${address}`).length) throw new StoreError('exists', `${address} is already an account`);
      if ((await tx`SELECT 1 FROM aliases WHERE address = ${address}`).length) throw new StoreError('exists', `alias ${address} already exists`);
      const alias: Alias = { address, targets, createdAt: Date.now() };
      await tx`INSERT INTO aliases (address, domain, targets, created_at) VALUES (${address}, ${domain}, ${targets}, ${alias.createdAt})`;
      return alias;
    });
  }

  async getAlias(address: string): Promise<Alias | null> {
    const [row] = await this.#core.sql<{ address: string; targets: string[]; created_at: number }[]>`SELECT address, targets, created_at FROM aliases WHERE address = ${address}`;
    return row ? toAlias(row) : null;
  }

  async listAliases(domain?: string): Promise<Alias[]> {
    type Row = { address: string; targets: string[]; created_at: number };
    const rows =
      domain === undefined
        ? await this.#core.sql<Row[]>`SELECT address, targets, created_at FROM aliases ORDER BY address`
        : await this.#core.sql<Row[]>`SELECT address, targets, created_at FROM aliases WHERE domain = ${domain} ORDER BY address`;
    return rows.map(toAlias);
  }

  async removeAlias(address: string): Promise<void> {
    const removed = await this.#core.sql`DELETE FROM aliases WHERE address = ${address} RETURNING address`;
    if (removed.length === 0) throw new StoreError('not-found', `no such alias: ${address}`);
  }
}
