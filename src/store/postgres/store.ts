import { joinRoles } from '../join-roles.ts';
import type { RecordSnapshot } from '../records.ts';
import { initialCounters } from '../rules/mailbox.ts';
import { StoreError, type Store } from '../types.ts';
import { ChangeFeed } from './changes.ts';
import { checkPostgres } from './check.ts';
import { PgCoordination, PgLocks } from './coordination.ts';
import { readMarker } from './copy-target.ts';
import { connect, loadDriver, PgCore, type PostgresOptions } from './core.ts';
import { PgAppPasswords } from './app-passwords.ts';
import { PgSieve } from './sieve.ts';
import { PgSpam } from './spam.ts';
import { PgReports } from './reports.ts';
import { PgDirectory } from './directory.ts';
import { PgMail } from './mail.ts';
import { PgQueue } from './queue.ts';
import { migrate } from './schema.ts';
import { PgSearchIndex } from './search-index.ts';
import { PgVault } from './vault.ts';

export type { PostgresOptions } from './core.ts';

/** The PostgreSQL store: every role, plus the core for PostgreSQL-only tests. */
export type PostgresStore = Store & { readonly core: PgCore };

/**
 * Opens the store on a PostgreSQL database shared by every node: migrates the
 * schema (under an advisory lock), makes the counters row of a new database, and
 * listens for the changes other nodes make.
 */
export async function openPostgresStore(options: PostgresOptions): Promise<PostgresStore> {
  const sql = await migrated(options);
  const copy = await readMarker(sql).catch(async (err: unknown) => {
    await sql.end({ timeout: 1 });
    throw cannotOpen(options, err);
  });
  if (copy && copy.finishedAt === undefined) {
    await sql.end({ timeout: 1 });
    // Rule 1 for a half-copied store: serving it would hand out UIDs the rest of the copy then uses.
    throw new StoreError('locked', `the PostgreSQL store at ${redacted(options.url)} holds an unfinished \`mailfold store copy\`: run that copy again to finish it`);
  }
  try {
    const c = initialCounters(Date.now());
    await sql`INSERT INTO counters (id, next_account_id, next_mailbox_id, next_uid_validity)
      VALUES (1, ${c.nextAccountId}, ${c.nextMailboxId}, ${c.nextUidValidity}) ON CONFLICT DO NOTHING`;
  } catch (err) {
    await sql.end({ timeout: 1 });
    throw cannotOpen(options, err);
  }
  const core = new PgCore(sql, options.chunkSize, options.maxKeywords);
  const feed = new ChangeFeed(core);
  await feed.start();
  const locks = new PgLocks(options);
  const roles = joinRoles(
    new PgDirectory(core), new PgMail(core), new PgQueue(core), new PgVault(core), new PgAppPasswords(core), new PgSieve(core), new PgSpam(core),
    new PgCoordination(core, locks), new PgReports(core),
  );
  return Object.assign(roles, {
    core,
    searchIndex: new PgSearchIndex(core),
    check: (opts: { repair: boolean }) => checkPostgres(core, opts.repair),
    exportRecords: (): Promise<RecordSnapshot> =>
      Promise.reject(new StoreError('invalid', 'a PostgreSQL store is backed up by PostgreSQL (pg_dump, or base backups with WAL archiving): see docs/scale-out.md')),
    async close() {
      await feed.stop();
      await locks.close();
      await core.close();
    },
  });
}

/** `mailfold store migrate`: brings the database's schema up to this version; the versions applied. */
export async function migratePostgres(options: Omit<PostgresOptions, 'chunkSize'>): Promise<number[]> {
  let applied: number[] = [];
  const sql = await migrated(options, (versions) => (applied = versions));
  await sql.end({ timeout: 5 });
  return applied;
}

/** A connection pool to a database whose schema is current; every failure is one line naming the database (without its password). */
async function migrated(options: Omit<PostgresOptions, 'chunkSize'>, applied: (versions: number[]) => void = () => {}): Promise<ReturnType<typeof connect>> {
  let sql: ReturnType<typeof connect> | null = null;
  try {
    await loadDriver();
    sql = connect(options);
    applied(await migrate(sql));
    return sql;
  } catch (err) {
    await sql?.end({ timeout: 1 });
    throw cannotOpen(options, err);
  }
}

const cannotOpen = (options: Pick<PostgresOptions, 'url'>, err: unknown): StoreError =>
  new StoreError('invalid', `cannot open the PostgreSQL store at ${redacted(options.url)}: ${(err as Error).message}`);

/** A database URL fit for a log line or an error: without its password. */
export function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://…';
  }
}
