import { InvalidArgumentError, type Command } from 'commander';
import type { AccountView } from '../../admin/service.ts';
import { parseSize } from '../../config/index.ts';
import { CliError, output, withAdmin } from '../context.ts';
import { formatBytes, formatQuota, table } from '../format.ts';
import { promptHidden, promptLine, readFirstLine } from '../prompt.ts';

/** Never from the command line, where it would land in shell history and `ps`. */
async function readPassword(fromStdin: boolean | undefined): Promise<string> {
  if (fromStdin) return readFirstLine();
  if (!process.stdin.isTTY) throw new CliError('no password given: use --password-stdin, or run on a terminal to be asked');
  const first = await promptHidden('Password: ');
  const second = await promptHidden('Repeat password: ');
  if (first !== second) throw new CliError('the passwords do not match');
  return first;
}

async function confirm(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY) throw new CliError('refusing without confirmation: add --yes');
  const answer = await promptLine(`${question} [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('cancelled');
}

const sizeOption = (value: string): number => {
  const n = parseSize(value);
  if (n === null) throw new InvalidArgumentError(`not a size: ${JSON.stringify(value)} (use bytes, or a number with k, M, G or T)`);
  return n;
};

const countOption = (value: string): number => {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`not a whole number: ${JSON.stringify(value)}`);
  return Number(value);
};

const describe = (a: AccountView): string =>
  [
    `address:   ${a.address}`,
    `status:    ${a.disabled ? 'disabled' : 'enabled'}${a.admin ? ', admin' : ''}`,
    `storage:   ${formatQuota(a.usedBytes, a.quotaBytes, formatBytes)}`,
    `messages:  ${formatQuota(a.usedMessages, a.quotaMessages, String)}`,
    `created:   ${a.createdAt}`,
    `login:     ${a.mechanisms.join(' ')}${a.mechanisms.some((m) => m.startsWith('SCRAM')) ? '' : ' (SCRAM after the next password change)'}`,
  ].join('\n');

export function userCommands(program: Command): void {
  const user = program.command('user').description('manage accounts');
  user
    .command('add <address>')
    .description('add an account (its INBOX, Sent, Drafts, Trash, Junk and Archive are created with it)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--quota-bytes <size>', 'storage quota, e.g. 2G (0 = unlimited)', sizeOption)
    .option('--quota-messages <n>', 'message count quota (0 = unlimited)', countOption)
    .option('--admin', 'the account may use the admin pages of the web interface')
    .action(async (address: string, opts: { passwordStdin?: boolean; quotaBytes?: number; quotaMessages?: number; admin?: boolean }, cmd: Command) => {
      const password = await readPassword(opts.passwordStdin);
      const result = await withAdmin(cmd, (admin) =>
        admin.userAdd({ address, password, quotaBytes: opts.quotaBytes, quotaMessages: opts.quotaMessages, admin: opts.admin === true }),
      );
      output(cmd, result, () => `added ${result.admin ? 'admin ' : ''}account ${result.address}`);
    });
  user
    .command('list [domain]')
    .description('list accounts, of one domain or all')
    .action(async (domain: string | undefined, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.userList({ domain }));
      output(cmd, result, () =>
        table(
          ['ADDRESS', 'STATUS', 'STORAGE', 'MESSAGES'],
          result.map((a) => [a.address, a.disabled ? 'disabled' : 'enabled', formatQuota(a.usedBytes, a.quotaBytes, formatBytes), formatQuota(a.usedMessages, a.quotaMessages, String)]),
        ),
      );
    });
  user
    .command('show <address>')
    .description('show an account, its usage and quota')
    .action(async (address: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.userShow({ address }));
      output(cmd, result, () => `${describe(result)}\nmailboxes: ${result.mailboxes}`);
    });
  user
    .command('passwd <address>')
    .description("change an account's password")
    .option('--password-stdin', 'read the password from the first line of standard input')
    .action(async (address: string, opts: { passwordStdin?: boolean }, cmd: Command) => {
      const password = await readPassword(opts.passwordStdin);
      const result = await withAdmin(cmd, (admin) => admin.userPasswd({ address, password }));
      output(cmd, result, () => `password changed for ${result.address}`);
    });
  for (const [name, verb] of [['disable', 'disabled'], ['enable', 'enabled']] as const) {
    user
      .command(`${name} <address>`)
      .description(name === 'disable' ? 'refuse logins and mail for an account, keeping its mail' : 'allow a disabled account again')
      .action(async (address: string, _opts, cmd: Command) => {
        const result = await withAdmin(cmd, (admin) => (name === 'disable' ? admin.userDisable({ address }) : admin.userEnable({ address })));
        output(cmd, result, () => `${verb} ${result.address}`);
      });
  }
  user
    .command('admin <address>')
    .description('give an account the admin role of the web interface, or take it with --revoke')
    .option('--revoke', 'take the admin role away')
    .action(async (address: string, opts: { revoke?: boolean }, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.userAdmin({ address, admin: opts.revoke !== true }));
      output(cmd, result, () => `${result.address} is ${result.admin ? 'now an admin' : 'no longer an admin'}`);
    });
  const apps = user.command('app-password').description("an account's app passwords: one per mail client, revocable alone");
  apps
    .command('add <address> <name>')
    .description('make an app password; it is printed this once')
    .action(async (address: string, name: string, _opts, cmd: Command) => {
      const made = await withAdmin(cmd, (admin) => admin.appPasswordAdd({ address, name }));
      output(cmd, made, () => `app password "${made.name}" for ${address} (shown this once):\n${made.password}`);
    });
  apps
    .command('list <address>')
    .description('list the app passwords: their ids, names and dates, never the passwords')
    .action(async (address: string, _opts, cmd: Command) => {
      const list = await withAdmin(cmd, (admin) => admin.appPasswordList({ address }));
      output(cmd, list, () => table(['ID', 'NAME', 'MADE'], list.map((p) => [p.id, p.name, p.createdAt])));
    });
  apps
    .command('remove <address> <id>')
    .description('revoke an app password: clients using it can no longer log in')
    .action(async (address: string, id: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.appPasswordRemove({ address, id }));
      output(cmd, result, () => `revoked app password ${result.removed}`);
    });
  user
    .command('remove <address>')
    .description('remove an account and all its mail')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (address: string, opts: { yes?: boolean }, cmd: Command) => {
      await confirm(`Remove ${address} and ALL its mail?`, opts.yes);
      const result = await withAdmin(cmd, (admin) => admin.userRemove({ address }));
      output(cmd, result, () => `removed account ${result.removed}`);
    });
  user
    .command('quota <address>')
    .description("show or set an account's quota")
    .option('--bytes <size>', 'storage quota, e.g. 2G (0 = unlimited)', sizeOption)
    .option('--messages <n>', 'message count quota (0 = unlimited)', countOption)
    .action(async (address: string, opts: { bytes?: number; messages?: number }, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) =>
        opts.bytes === undefined && opts.messages === undefined ? admin.userShow({ address }) : admin.userQuota({ address, ...opts }),
      );
      output(cmd, result, () => describe(result));
    });
}
