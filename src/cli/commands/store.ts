import type { Command } from 'commander';
import { migratePostgres } from '../../store/postgres/store.ts';
import { SCHEMA_VERSION } from '../../store/postgres/schema.ts';
import { openStore, postgresOptions } from '../../server.ts';
import { CliError, configFor, output, withAdmin } from '../context.ts';

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
    .description('bring the store to the layout of this version (PostgreSQL: the schema, under a lock nodes share)')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = configFor(cmd);
      if (config.store.backend !== 'postgres') {
        // A LevelDB store is migrated when it is opened.
        await (await openStore(config)).close();
        output(cmd, { backend: 'level', applied: [] }, () => 'the LevelDB store is up to date');
        return;
      }
      const applied = await migratePostgres(postgresOptions(config.store));
      output(cmd, { backend: 'postgres', applied, version: SCHEMA_VERSION }, () =>
        applied.length === 0 ? `the PostgreSQL schema is up to date (version ${SCHEMA_VERSION})` : `applied schema migration(s) ${applied.join(', ')}; now at version ${SCHEMA_VERSION}`,
      );
    });
}
