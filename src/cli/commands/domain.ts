import type { Command } from 'commander';
import { output, withAdmin } from '../context.ts';
import { table } from '../format.ts';

export function domainCommands(program: Command): void {
  const domain = program.command('domain').description('manage the domains this server receives mail for');
  domain
    .command('add <domain>')
    .description('add a local domain')
    .action(async (name: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.domainAdd({ name }));
      output(cmd, result, () => `added domain ${result.name}`);
    });
  domain
    .command('list')
    .description('list local domains')
    .action(async (_opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.domainList());
      output(cmd, result, () => table(['DOMAIN', 'ADDED'], result.map((d) => [d.name, new Date(d.createdAt).toISOString()])));
    });
  domain
    .command('remove <domain>')
    .description('remove a domain that has no accounts or aliases left')
    .action(async (name: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.domainRemove({ name }));
      output(cmd, result, () => `removed domain ${result.removed}`);
    });
}
