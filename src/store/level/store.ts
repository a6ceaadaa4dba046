import type { CheckProblem, Store } from '../types.ts';
import { checkStore } from './check.ts';
import { LevelCore, locks, openDb, type StoreOptions } from './core.ts';
import { LevelDirectory } from './directory.ts';
import { keys } from './keys.ts';
import { LevelMail } from './mail.ts';
import { LevelQueue } from './queue.ts';
import { LevelSpam } from './spam.ts';
import { levelSnapshot } from './records.ts';
import { LevelVault } from './vault.ts';

export type { StoreOptions } from './core.ts';

/** The LevelDB store: every role, plus the core for LevelDB-only tests and tools. */
export type LevelStore = Store & { readonly core: LevelCore };

export async function openLevelStore(dataDir: string, options: StoreOptions): Promise<LevelStore> {
  const core = new LevelCore(await openDb(dataDir), options);
  await core.init();
  const directory = new LevelDirectory(core);
  const roles = joinRoles(directory, new LevelMail(core, directory), new LevelQueue(core), new LevelVault(core, directory), new LevelSpam(core));
  return Object.assign(roles, {
    core,
    searchIndex: core.searchIndex,
    /** Runs with every lock held, so that no write lands between the reads it compares. */
    async check(opts: { repair: boolean }): Promise<CheckProblem[]> {
      const accountIds = (await core.scanKeys(keys.accountByIdPrefix)).map((k) => parseInt(k.slice(keys.accountByIdPrefix.length), 16));
      const mailboxOwners = (await core.scan<{ accountId: number }>(keys.mailboxPrefix)).map((m) => m.accountId);
      const held = [locks.admin, locks.blobs, locks.queue, ...[...accountIds, ...mailboxOwners].map(locks.account)];
      return core.locks.withLocks(held, () => checkStore(core, opts.repair));
    },
    exportRecords: () => levelSnapshot(core.db),
    close: () => core.close(),
  });
}

/** The roles' methods, bound to their objects, as one object: the store every caller sees. */
function joinRoles<A extends object, B extends object, C extends object, D extends object, E extends object>(a: A, b: B, c: C, d: D, e: E): A & B & C & D & E {
  return Object.assign({}, methodsOf(a), methodsOf(b), methodsOf(c), methodsOf(d), methodsOf(e)) as A & B & C & D & E;
}

/** A role object's methods, bound to it, as own properties. */
function methodsOf(role: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.getOwnPropertyNames(Object.getPrototypeOf(role))) {
    const value = (role as Record<string, unknown>)[name];
    if (name !== 'constructor' && typeof value === 'function') out[name] = value.bind(role);
  }
  return out;
}
