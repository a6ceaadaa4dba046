import type { Command } from 'commander';
import { output, withAdmin } from '../context.ts';
import { table } from '../format.ts';

export function aliasCommands(program: Command): void {
  const alias = program.command('alias').description('manage aliases and catch-alls (an alias of @domain catches all unknown addresses)');
  alias
    .command('add <address> <targets...>')
    .description('forward an address (or @domain, the catch-all) to one or more local or remote addresses')
    .action(async (address: string, targets: string[], _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.aliasAdd({ address, targets }));
      output(cmd, result, () => `added alias ${result.address} -> ${result.targets.join(', ')}`);
    });
  alias
    .command('list [domain]')
    .description('list aliases, of one domain or all')
    .action(async (domain: string | undefined, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.aliasList({ domain }));
      output(cmd, result, () => table(['ALIAS', 'TARGETS'], result.map((a) => [a.address, a.targets.join(', ')])));
    });
  alias
    .command('remove <address>')
    .description('remove an alias')
    .action(async (address: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.aliasRemove({ address }));
      output(cmd, result, () => `removed alias ${result.removed}`);
    });
}
