import { checkScriptName, SCRIPT_NAME, sieveMarkKey } from '../rules/sieve-names.ts';
import { StoreError, type AccountId, type SieveMarkScope, type SievePutOutcome, type SieveScriptInfo, type SieveScriptLimits, type SieveStore } from '../types.ts';
import type { PgCore, Tx } from './core.ts';

/** Sieve scripts and run marks as rows that go with their account (ON DELETE CASCADE). */
export class PgSieve implements SieveStore {
  readonly #core: PgCore;

  constructor(core: PgCore) {
    this.#core = core;
  }

  async listSieveScripts(accountId: AccountId): Promise<SieveScriptInfo[]> {
    type Row = { name: string; content: string; updated_at: number; active: boolean };
    const rows = await this.#core.sql<Row[]>`SELECT s.name, s.content, s.updated_at, (a.name IS NOT NULL) AS active
      FROM sieve_scripts s LEFT JOIN sieve_active a ON a.account_id = s.account_id AND a.name = s.name
      WHERE s.account_id = ${accountId} ORDER BY s.name COLLATE "C"`;
    return rows.map((r) => ({ name: r.name, active: r.active, size: Buffer.byteLength(r.content), updatedAt: r.updated_at }));
  }

  async getSieveScript(accountId: AccountId, name: string): Promise<string | null> {
    if (!SCRIPT_NAME.test(name)) return null;
    const [row] = await this.#core.sql<{ content: string }[]>`SELECT content FROM sieve_scripts WHERE account_id = ${accountId} AND name = ${name}`;
    return row?.content ?? null;
  }

  async putSieveScript(accountId: AccountId, name: string, content: string, limits: SieveScriptLimits): Promise<SievePutOutcome> {
    checkScriptName(name);
    if (Buffer.byteLength(content) > limits.maxScriptBytes) return { ok: false, reason: 'too-big' };
    return this.#core.tx(async (tx): Promise<SievePutOutcome> => {
      await lockAccount(tx, accountId);
      const [count] = await tx<{ scripts: number; exists: boolean }[]>`SELECT count(*)::int AS scripts, bool_or(name = ${name}) AS exists
        FROM sieve_scripts WHERE account_id = ${accountId}`;
      if (!count?.exists && (count?.scripts ?? 0) >= limits.maxScripts) return { ok: false, reason: 'too-many' };
      await tx`INSERT INTO sieve_scripts (account_id, name, content, updated_at) VALUES (${accountId}, ${name}, ${content}, ${Date.now()})
        ON CONFLICT (account_id, name) DO UPDATE SET content = EXCLUDED.content, updated_at = EXCLUDED.updated_at`;
      return { ok: true };
    });
  }

  deleteSieveScript(accountId: AccountId, name: string): Promise<void> {
    return this.#core.tx(async (tx) => {
      await lockAccount(tx, accountId);
      await existing(tx, accountId, name);
      if ((await tx`SELECT 1 FROM sieve_active WHERE account_id = ${accountId} AND name = ${name}`).length) throw new StoreError('locked', `script ${name} is active`);
      await tx`DELETE FROM sieve_scripts WHERE account_id = ${accountId} AND name = ${name}`;
    });
  }

  async renameSieveScript(accountId: AccountId, from: string, to: string): Promise<void> {
    checkScriptName(to);
    return this.#core.tx(async (tx) => {
      await lockAccount(tx, accountId);
      await existing(tx, accountId, from);
      if (from === to) return;
      if ((await tx`SELECT 1 FROM sieve_scripts WHERE account_id = ${accountId} AND name = ${to}`).length) throw new StoreError('exists', `script ${to} already exists`);
      // The active marker follows by ON UPDATE CASCADE.
      await tx`UPDATE sieve_scripts SET name = ${to} WHERE account_id = ${accountId} AND name = ${from}`;
    });
  }

  setActiveSieveScript(accountId: AccountId, name: string | null): Promise<void> {
    return this.#core.tx(async (tx) => {
      await lockAccount(tx, accountId);
      if (name === null) {
        await tx`DELETE FROM sieve_active WHERE account_id = ${accountId}`;
        return;
      }
      await existing(tx, accountId, name);
      await tx`INSERT INTO sieve_active (account_id, name) VALUES (${accountId}, ${name}) ON CONFLICT (account_id) DO UPDATE SET name = EXCLUDED.name`;
    });
  }

  async getActiveSieveScript(accountId: AccountId): Promise<{ name: string; content: string } | null> {
    const [row] = await this.#core.sql<{ name: string; content: string }[]>`SELECT s.name, s.content FROM sieve_active a
      JOIN sieve_scripts s ON s.account_id = a.account_id AND s.name = a.name WHERE a.account_id = ${accountId}`;
    return row ? { name: row.name, content: row.content } : null;
  }

  async hasSieveMark(accountId: AccountId, scope: SieveMarkScope, key: string, now: number): Promise<boolean> {
    const rows = await this.#core.sql`SELECT 1 FROM sieve_marks WHERE account_id = ${accountId} AND scope = ${scope} AND key = ${sieveMarkKey(key)} AND expires_at > ${now}`;
    return rows.length > 0;
  }

  async setSieveMark(accountId: AccountId, scope: SieveMarkScope, key: string, expiresAt: number): Promise<void> {
    await this.#core.tx(async (tx) => {
      await tx`DELETE FROM sieve_marks WHERE account_id = ${accountId} AND expires_at <= ${Date.now()}`;
      await tx`INSERT INTO sieve_marks (account_id, scope, key, expires_at) VALUES (${accountId}, ${scope}, ${sieveMarkKey(key)}, ${expiresAt})
        ON CONFLICT (account_id, scope, key) DO UPDATE SET expires_at = EXCLUDED.expires_at`;
    });
  }
}

/** The account row's lock: one script change of an account at a time, across nodes. */
async function lockAccount(tx: Tx, accountId: AccountId): Promise<void> {
  if (!(await tx`SELECT 1 FROM accounts WHERE id = ${accountId} FOR UPDATE`).length) throw new StoreError('not-found', `no account with id ${accountId}`);
}

async function existing(tx: Tx, accountId: AccountId, name: string): Promise<void> {
  const found = SCRIPT_NAME.test(name) && (await tx`SELECT 1 FROM sieve_scripts WHERE account_id = ${accountId} AND name = ${name}`).length > 0;
  if (!found) throw new StoreError('not-found', `no script named ${name}`);
}
