import { Command, CommanderError } from 'commander';
import { AdminError } from '../admin/service.ts';
import { ConfigError } from '../config/index.ts';
import { StoreError } from '../store/types.ts';
import { aliasCommands } from './commands/alias.ts';
import { backupCommands } from './commands/backup.ts';
import { completionCommand, helpCommand } from './commands/help.ts';
import { certCommands } from './commands/cert.ts';
import { configCommands } from './commands/config.ts';
import { deliverCommand, EX } from './commands/deliver.ts';
import { dnsCommand } from './commands/dns.ts';
import { dkimCommands } from './commands/dkim.ts';
import { domainCommands } from './commands/domain.ts';
import { initCommand } from './commands/init.ts';
import { mailboxCommands } from './commands/mailbox.ts';
import { queueCommands } from './commands/queue.ts';
import { reportsCommands } from './commands/reports.ts';
import { serveCommand } from './commands/serve.ts';
import { sieveCommands, vacationCommand } from './commands/sieve.ts';
import { spamCommands } from './commands/spam.ts';
import { statusCommand } from './commands/status.ts';
import { storeCommands } from './commands/store.ts';
import { userCommands } from './commands/user.ts';
import { transferCommands } from './commands/transfer.ts';
import { CliError } from './context.ts';
import { VERSION } from '../version.ts';

export function buildProgram(): Command {
  const program = new Command('mailfold')
    .description('a complete mail server in one process')
    .version(VERSION)
    .option('-c, --config <file>', 'config file (or MAILFOLD_CONFIG)')
    .option('-d, --data-dir <dir>', 'data directory (or MAILFOLD_DATA), overriding the config')
    .option('--json', 'print results as JSON, for scripts')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  initCommand(program);
  serveCommand(program);
  statusCommand(program);
  domainCommands(program);
  userCommands(program);
  aliasCommands(program);
  dkimCommands(program);
  mailboxCommands(program);
  deliverCommand(program);
  spamCommands(program);
  configCommands(program);
  storeCommands(program);
  completionCommand(program);
  helpCommand(program);
  dnsCommand(program);
  certCommands(program);
  queueCommands(program);
  reportsCommands(program);
  backupCommands(program);
  transferCommands(program);
  sieveCommands(program);
  vacationCommand(program);
  for (const cmd of allCommands(program)) cmd.exitOverride();
  return program;
}

function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

/** Exit codes: 0, 1 with one line on stderr, or sysexits for `deliver` (docs/architecture.md). */
export async function main(argv: string[]): Promise<number> {
  // Whatever the caller's umask: the store, its keys and the files made from them are the owner's only.
  process.umask(0o077);
  const isDeliver = argv.slice(2).includes('deliver');
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      return isDeliver ? EX.USAGE : 1;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mailfold: ${message.replace(/\n/g, '\nmailfold: ')}\n`);
    if (err instanceof CliError) return err.exitCode;
    if (!isDeliver) return 1;
    if (err instanceof ConfigError) return EX.CONFIG;
    if (err instanceof StoreError && err.code === 'locked') return EX.TEMPFAIL;
    if (err instanceof AdminError && err.code === 'invalid') return EX.USAGE;
    // Retrying will not help an MTA that runs deliver as the wrong user.
    if (err instanceof AdminError && err.code === 'denied') return EX.NOPERM;
    return EX.TEMPFAIL;
  }
}
