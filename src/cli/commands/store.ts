import type { Command } from 'commander';
import { CliError, output, withAdmin } from '../context.ts';

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
}
