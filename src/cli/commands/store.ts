import type { Command } from 'commander';
import { migratePostgres } from '../../store/postgres/store.ts';
import { SCHEMA_VERSION } from '../../store/postgres/schema.ts';
import { openStore, postgresOptions } from '../../server.ts';
import { StoreError } from '../../store/types.ts';
import { CliError, configFor, globals, output, withAdmin } from '../context.ts';
import { migrationDisplay } from '../migration-progress.ts';

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
      const display = migrationDisplay({ json: globals(cmd).json === true });
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
