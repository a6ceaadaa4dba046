import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { copyStore } from '../../store/copy.ts';
import { LevelCopySource } from '../../store/level/copy-source.ts';
import { openLevelStore } from '../../store/level/store.ts';
import { PgCopyTarget } from '../../store/postgres/copy-target.ts';
import { migratePostgres, redacted } from '../../store/postgres/store.ts';
import { SCHEMA_VERSION } from '../../store/postgres/schema.ts';
import { pgTarget } from '../../store/postgres/url.ts';
import { openStore, postgresOptions } from '../../server.ts';
import { StoreError } from '../../store/types.ts';
import { CliError, configFor, globals, output, withAdmin } from '../context.ts';
import { migrationDisplay } from '../migration-progress.ts';
import { copyProgress } from '../copy-progress.ts';
import { interruptible } from '../interrupt.ts';

export function storeCommands(program: Command): void {
  const store = program.command('store').description('maintain the mail store');
  store
    .command('check')
    .description('verify every counter and reference against the data')
    .option('--repair', 'fix what differs')
    .action(async (opts: { repair?: boolean }, cmd: Command) => {
      const problems = await withAdmin(cmd, (admin) => admin.storeCheck({ repair: opts.repair === true }));
      output(cmd, { clean: problems.length === 0, problems }, () =>
        problems.length === 0
          ? 'store is clean'
          : problems.map((p) => `${p.repaired ? 'repaired' : 'problem'}: ${p.what}`).join('\n'),
      );
      const unrepaired = problems.filter((p) => !p.repaired);
      if (unrepaired.length > 0) throw new CliError(`${unrepaired.length} problem(s) found${opts.repair ? ' that could not be repaired' : '; run `mailfold store check --repair`'}`);
    });
  store
    .command('copy')
    .description('copy a whole installation into another backend (LevelDB into PostgreSQL); resumable: run it again after an interruption')
    .option('--from <store>', 'the source: level:DIR (default: the configured data dir)')
    .requiredOption('--to <url>', 'the target: postgres://user:pass@host/db, an empty database')
    .action(async (opts: { from?: string; to: string }, cmd: Command) => {
      const config = configFor(cmd);
      const from = sourceDir(opts.from, config);
      const to = targetUrl(opts.to);
      const display = await migrationDisplay({ json: globals(cmd).json === true });
      let level;
      try {
        level = await openLevelStore(from, { sync: true, chunkSize: config.store.chunk_size }, display.sink);
      } catch (err) {
        if (err instanceof StoreError && err.code === 'locked') throw new CliError(`the store in ${from} is in use by a running server: stop it first (a copy must see no change while it runs)`);
        throw err;
      } finally {
        display.stop();
      }
      const source = new LevelCopySource(level);
      let target: PgCopyTarget;
      try {
        target = await PgCopyTarget.open(postgresOptions({ ...config.store, url: to }), redacted(to));
      } catch (err) {
        await source.close();
        throw new CliError(`cannot open the PostgreSQL database at ${redacted(to)}: ${(err as Error).message}`);
      }
      const interrupt = interruptible();
      try {
        const result = await copyStore(source, target, { onProgress: copyProgress({ json: globals(cmd).json === true }), signal: interrupt.signal });
        const human = () =>
          result.alreadyDone
            ? `the copy into ${target.name} was finished already; nothing to do`
            : `copied ${result.accounts} account(s), ${result.mailboxes} mailbox(es), ${result.messages} message(s) (${result.skipped} from an earlier run) and ${result.queue} queued message(s) in ${result.seconds.toFixed(1)} s; serve from it with [store] backend = "postgres"`;
        if (globals(cmd).json) process.stdout.write(`${JSON.stringify({ event: 'done', result })}\n`);
        else output(cmd, result, human);
      } catch (err) {
        if (interrupt.signal.aborted) throw new CliError('copy interrupted; what was copied is kept: run the same command again to go on');
        if (err instanceof StoreError) throw new CliError(err.message);
        throw err;
      } finally {
        interrupt.dispose();
        await Promise.allSettled([source.close(), target.close()]);
      }
    });
  store
    .command('migrate')
    .description('bring a store of an older release to the layout this version uses (serve and every command that opens the store do it too)')
    .action(async (_opts, cmd: Command) => {
      const config = configFor(cmd);
      if (config.store.backend === 'postgres') {
        const applied = await migratePostgres(postgresOptions(config.store));
        output(cmd, { backend: 'postgres', applied, version: SCHEMA_VERSION }, () =>
          applied.length === 0 ? `the PostgreSQL schema is up to date (version ${SCHEMA_VERSION})` : `applied schema migration(s) ${applied.join(', ')}; now at version ${SCHEMA_VERSION}`,
        );
        return;
      }
      const display = await migrationDisplay({ json: globals(cmd).json === true });
      const started = Date.now();
      try {
        await (await openStore(config, display.sink)).close();
      } catch (err) {
        if (err instanceof StoreError && err.code === 'locked') throw new CliError('the store is in use by a running server, which migrated it when it started');
        throw err;
      } finally {
        display.stop();
      }
      const ran = display.ran;
      const seconds = (Date.now() - started) / 1000;
      const result = { migrated: ran, seconds };
      // With --json, one object per line as the other long jobs print: the progress, then the result.
      if (globals(cmd).json) process.stdout.write(`${JSON.stringify({ event: 'done', result })}\n`);
      else output(cmd, result, () => (ran ? `store migrated from layout ${ran.from} to layout ${ran.to} in ${seconds.toFixed(1)} s` : 'store is at the current layout; nothing to migrate'));
    });
}

/** `level:DIR`, or the configured data dir; PostgreSQL as a source is not supported (pg_dump copies it). */
function sourceDir(from: string | undefined, config: ReturnType<typeof configFor>): string {
  if (from === undefined) {
    if (config.store.backend !== 'level') throw new CliError('--from level:DIR is needed: the configured store is not LevelDB');
    return config.data_dir;
  }
  if (/^postgres(ql)?:\/\//.test(from)) throw new CliError('copying out of PostgreSQL is not supported: pg_dump and pg_restore move a PostgreSQL store (docs/scale-out.md)');
  if (!from.startsWith('level:') || from.length === 'level:'.length) throw new CliError(`--from: expected level:DIR, got ${JSON.stringify(from)}`);
  const dir = resolve(from.slice('level:'.length));
  if (!existsSync(join(dir, 'store'))) throw new CliError(`--from: there is no store in ${dir}`);
  return dir;
}

function targetUrl(to: string): string {
  if (!/^postgres(ql)?:\/\/./.test(to) || (URL.parse(to) === null && pgTarget(to).path === undefined)) throw new CliError(`--to: expected a postgres://user:pass@host/db URL, got ${JSON.stringify(redacted(to))}`);
  return to;
}
