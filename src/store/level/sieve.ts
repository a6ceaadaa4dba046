import { StoreError, type AccountId, type SieveMarkScope, type SievePutOutcome, type SieveScriptInfo, type SieveScriptLimits, type SieveStore } from '../types.ts';
import type { BatchOp } from './commit-queue.ts';
import { del, locks, put, type LevelCore } from './core.ts';
import { keys } from './keys.ts';
import { checkScriptName as checkName, SCRIPT_NAME, sieveMarkKey as markKey } from '../rules/sieve-names.ts';

interface ScriptRecord {
  name: string;
  content: string;
  updatedAt: number;
}

/** Expired marks are swept when this many were written since the last sweep of the account. */
const SWEEP_EVERY = 256;

/** Sieve scripts and run marks in LevelDB, under `siv/<account>/` (docs/architecture.md). */
export class LevelSieve implements SieveStore {
  readonly #core: LevelCore;
  readonly #marksSinceSweep = new Map<AccountId, number>();

  constructor(core: LevelCore) {
    this.#core = core;
  }

  async listSieveScripts(accountId: AccountId): Promise<SieveScriptInfo[]> {
    const [scripts, active] = await Promise.all([
      this.#core.scan<ScriptRecord>(keys.sieveScriptPrefix(accountId)),
      this.#core.get<string>(keys.sieveActive(accountId)),
    ]);
    return scripts.map((s) => ({ name: s.name, active: s.name === active, size: Buffer.byteLength(s.content), updatedAt: s.updatedAt }));
  }

  async getSieveScript(accountId: AccountId, name: string): Promise<string | null> {
    if (!SCRIPT_NAME.test(name)) return null;
    return (await this.#core.get<ScriptRecord>(keys.sieveScript(accountId, name)))?.content ?? null;
  }

  async putSieveScript(accountId: AccountId, name: string, content: string, limits: SieveScriptLimits): Promise<SievePutOutcome> {
    checkName(name);
    if (Buffer.byteLength(content) > limits.maxScriptBytes) return { ok: false, reason: 'too-big' };
    return this.#core.locks.withLocks([locks.account(accountId)], async () => {
      const names = await this.#core.scanKeys(keys.sieveScriptPrefix(accountId));
      const exists = names.includes(keys.sieveScript(accountId, name));
      if (!exists && names.length >= limits.maxScripts) return { ok: false, reason: 'too-many' };
      await this.#core.commit([put(keys.sieveScript(accountId, name), { name, content, updatedAt: Date.now() } satisfies ScriptRecord)]);
      return { ok: true };
    });
  }

  async deleteSieveScript(accountId: AccountId, name: string): Promise<void> {
    await this.#core.locks.withLocks([locks.account(accountId)], async () => {
      await this.#existing(accountId, name);
      if ((await this.#core.get<string>(keys.sieveActive(accountId))) === name) throw new StoreError('locked', `script ${name} is active`);
      await this.#core.commit([del(keys.sieveScript(accountId, name))]);
    });
  }

  async renameSieveScript(accountId: AccountId, from: string, to: string): Promise<void> {
    checkName(to);
    await this.#core.locks.withLocks([locks.account(accountId)], async () => {
      const script = await this.#existing(accountId, from);
      if (from === to) return;
      if (await this.#core.get(keys.sieveScript(accountId, to))) throw new StoreError('exists', `script ${to} already exists`);
      const ops: BatchOp[] = [del(keys.sieveScript(accountId, from)), put(keys.sieveScript(accountId, to), { ...script, name: to })];
      if ((await this.#core.get<string>(keys.sieveActive(accountId))) === from) ops.push(put(keys.sieveActive(accountId), to));
      await this.#core.commit(ops);
    });
  }

  async setActiveSieveScript(accountId: AccountId, name: string | null): Promise<void> {
    await this.#core.locks.withLocks([locks.account(accountId)], async () => {
      if (name === null) return this.#core.commit([del(keys.sieveActive(accountId))]);
      await this.#existing(accountId, name);
      await this.#core.commit([put(keys.sieveActive(accountId), name)]);
    });
  }

  async getActiveSieveScript(accountId: AccountId): Promise<{ name: string; content: string } | null> {
    const name = await this.#core.get<string>(keys.sieveActive(accountId));
    if (name === null) return null;
    const script = await this.#core.get<ScriptRecord>(keys.sieveScript(accountId, name));
    return script && { name, content: script.content };
  }

  async hasSieveMark(accountId: AccountId, scope: SieveMarkScope, key: string, now: number): Promise<boolean> {
    const expiresAt = await this.#core.get<number>(keys.sieveMark(accountId, scope, markKey(key)));
    return expiresAt !== null && expiresAt > now;
  }

  async setSieveMark(accountId: AccountId, scope: SieveMarkScope, key: string, expiresAt: number): Promise<void> {
    const ops: BatchOp[] = [put(keys.sieveMark(accountId, scope, markKey(key)), expiresAt)];
    const written = (this.#marksSinceSweep.get(accountId) ?? 0) + 1;
    this.#marksSinceSweep.set(accountId, written % SWEEP_EVERY);
    if (written >= SWEEP_EVERY) ops.push(...(await this.#expiredMarks(accountId)));
    await this.#core.commit(ops);
  }

  async #expiredMarks(accountId: AccountId): Promise<BatchOp[]> {
    const prefix = keys.sieveMarkPrefix(accountId);
    const [markKeys, values] = await Promise.all([this.#core.scanKeys(prefix), this.#core.scan<number>(prefix)]);
    const now = Date.now();
    return markKeys.filter((_, i) => values[i]! <= now).map((k) => del(k));
  }

  async #existing(accountId: AccountId, name: string): Promise<ScriptRecord> {
    const script = SCRIPT_NAME.test(name) ? await this.#core.get<ScriptRecord>(keys.sieveScript(accountId, name)) : null;
    if (!script) throw new StoreError('not-found', `no script named ${name}`);
    return script;
  }
}
