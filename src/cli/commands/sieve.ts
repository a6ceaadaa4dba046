import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, configFor, output, withAdmin } from '../context.ts';
import { table } from '../format.ts';
import { readAll } from '../prompt.ts';

/** A script from FILE, or from standard input for `-` or no FILE; a byte over the limit is enough to refuse it. */
async function readScript(file: string | undefined, limit: number): Promise<Buffer> {
  if (file === undefined || file === '-') return readAll(limit);
  try {
    return readFileSync(file);
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const scriptLimit = (cmd: Command): number => configFor(cmd).managesieve.max_script_size;

export function sieveCommands(program: Command): void {
  const sieve = program.command('sieve').description("an account's Sieve filter scripts, as ManageSieve clients see them");
  sieve
    .command('list <account>')
    .description('list the scripts; the active one runs on every message delivered')
    .action(async (address: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.sieveList({ address }));
      output(cmd, result, () => (result.length === 0 ? `${address} has no Sieve scripts` : table(['NAME', 'ACTIVE'], result.map((s) => [s.name, s.active ? 'yes' : '']))));
    });
  sieve
    .command('show <account> <name>')
    .description('print a script')
    .action(async (address: string, name: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.sieveShow({ address, name }));
      output(cmd, result, () => result.content);
    });
  sieve
    .command('put <account> <name> [file]')
    .description('store a script from FILE (or standard input); refused with line and column when it does not parse')
    .option('--activate', 'make it the active script too')
    .action(async (address: string, name: string, file: string | undefined, opts: { activate?: boolean }, cmd: Command) => {
      const content = await readScript(file, scriptLimit(cmd));
      const result = await withAdmin(cmd, (admin) => admin.sievePut({ address, name, activate: opts.activate === true }, content));
      output(cmd, result, () => `stored ${name}${result.active ? ' (active)' : ''}`);
    });
  sieve
    .command('activate <account> <name>')
    .description('make a script the active one (the one that was active stops running)')
    .action(async (address: string, name: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.sieveActivate({ address, name }));
      output(cmd, result, () => `${name} is active`);
    });
  sieve
    .command('deactivate <account>')
    .description('run no script: mail goes to INBOX (and Junk) as without Sieve')
    .action(async (address: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.sieveActivate({ address, name: null }));
      output(cmd, result, () => `no script is active for ${address}`);
    });
  sieve
    .command('delete <account> <name>')
    .description('delete a script (not the active one: deactivate it first)')
    .action(async (address: string, name: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.sieveDelete({ address, name }));
      output(cmd, result, () => `deleted ${result.deleted}`);
    });
  sieve
    .command('check [account] [file]')
    .description('parse a script from FILE (or standard input) without storing it; errors name line and column')
    .action(async (first: string | undefined, second: string | undefined, _opts, cmd: Command) => {
      // `check FILE` or, as the other subcommands read, `check ACCOUNT FILE` (the account must exist).
      const [address, file] = second === undefined ? [undefined, first] : [first, second];
      const content = await readScript(file, scriptLimit(cmd));
      const result = await withAdmin(cmd, (admin) => admin.sieveCheck(address === undefined ? {} : { address }, content));
      output(cmd, result, () => 'the script is valid');
    });
}

interface VacationOptions {
  on?: boolean;
  off?: boolean;
  subject?: string;
  message?: string;
  messageFile?: string;
  until?: string;
  days?: string;
}

function vacationMessage(opts: VacationOptions): string | undefined {
  if (opts.message !== undefined && opts.messageFile !== undefined) throw new CliError('give --message or --message-file, not both');
  if (opts.messageFile === undefined) return opts.message;
  try {
    return readFileSync(opts.messageFile, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${opts.messageFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

export function vacationCommand(program: Command): void {
  program
    .command('vacation <account>')
    .description('turn the out-of-office reply on or off (a generated Sieve script that includes the active one)')
    .option('--on', 'reply to senders (once per sender every --days) until --until')
    .option('--off', 'stop replying; the script active before is active again')
    .option('--subject <text>', 'the subject of the reply')
    .option('--message <text>', 'the text of the reply')
    .option('--message-file <file>', 'the text of the reply, from a file')
    .option('--until <date>', 'the last day to reply, YYYY-MM-DD')
    .option('--days <n>', 'days before the same sender is answered again (default 7)')
    .action(async (address: string, opts: VacationOptions, cmd: Command) => {
      if (opts.on === opts.off) throw new CliError('give --on or --off');
      const message = vacationMessage(opts);
      if (opts.on && (opts.subject === undefined || message === undefined)) throw new CliError('--on needs --subject and --message (or --message-file)');
      const days = opts.days === undefined ? undefined : Number(opts.days);
      const result = await withAdmin(cmd, (admin) =>
        admin.vacation({
          address,
          on: opts.on === true,
          ...(opts.subject === undefined ? {} : { subject: opts.subject }),
          ...(message === undefined ? {} : { message }),
          ...(opts.until === undefined ? {} : { until: opts.until }),
          ...(days === undefined ? {} : { days }),
        }),
      );
      output(cmd, result, () => {
        if (result.on) return `vacation is on for ${address}${opts.until ? ` until ${opts.until}` : ''}${result.userScript ? `; ${result.userScript} runs as well` : ''}`;
        return `vacation is off for ${address}${result.userScript ? `; ${result.userScript} is active` : ''}`;
      });
    });
}
