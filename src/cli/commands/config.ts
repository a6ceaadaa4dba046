import type { Command } from 'commander';
import { showConfig } from '../../config/index.ts';
import { configFor, output } from '../context.ts';

export function configCommands(program: Command): void {
  const config = program.command('config').description('check or show the configuration');
  config
    .command('check')
    .description('validate the config file; one line per problem')
    .action((_opts, cmd: Command) => {
      const loaded = configFor(cmd);
      output(cmd, { ok: true, file: loaded.config_file }, () => `ok: ${loaded.config_file ?? 'no config file, built-in defaults'}`);
    });
  config
    .command('show')
    .description('print the effective configuration, secrets masked')
    .action((_opts, cmd: Command) => {
      const loaded = configFor(cmd);
      output(cmd, JSON.parse(JSON.stringify(loaded, maskForJson)), () => showConfig(loaded));
    });
}

const maskForJson = (key: string, value: unknown): unknown => (key === 'password' && value ? '********' : value);
