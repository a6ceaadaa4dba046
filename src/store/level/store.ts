import { joinRoles } from '../join-roles.ts';
import { LevelCoordination } from './coordination.ts';
import type { CheckProblem, Store } from '../types.ts';
import { checkStore } from './check.ts';
import { LevelCore, locks, openDb, type StoreOptions } from './core.ts';
import { LevelAppPasswords } from './app-passwords.ts';
import { LevelDirectory } from './directory.ts';
import { keys } from './keys.ts';
import { LevelMail } from './mail.ts';
import { migrationLines, type MigrationSink } from '../migration-progress.ts';
import { migrateStore } from './migrate/runner.ts';
import { LevelQueue } from './queue.ts';
import { LevelSieve } from './sieve.ts';
import { LevelSpam } from './spam.ts';
import { LevelReports } from './reports.ts';
import { levelSnapshot } from './records.ts';
import { LevelVault } from './vault.ts';

export type { StoreOptions } from './core.ts';

/** The LevelDB store: every role, plus the core for LevelDB-only tests and tools. */
export type LevelStore = Store & { readonly core: LevelCore };

/** A store of an older layout is migrated before it is returned; `onMigration` hears how far (default: lines on stderr). */
export async function openLevelStore(dataDir: string, options: StoreOptions, onMigration?: MigrationSink): Promise<LevelStore> {
  const core = new LevelCore(await openDb(dataDir), options);
  try {
    await core.init();
    await migrateStore(core, onMigration ?? migrationLines((line) => process.stderr.write(`${line}\n`)));
  } catch (err) {
    await core.close();
    throw err;
  }
  const directory = new LevelDirectory(core);
  const roles = joinRoles(directory, new LevelMail(core, directory), new LevelQueue(core), new LevelVault(core, directory), new LevelAppPasswords(core, directory), new LevelSieve(core), new LevelSpam(core), new LevelCoordination(), new LevelReports(core));
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
