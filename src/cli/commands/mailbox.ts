import type { Command } from 'commander';
import { output, withAdmin } from '../context.ts';
import { formatBytes, table } from '../format.ts';

export function mailboxCommands(program: Command): void {
  const mailbox = program.command('mailbox').description("look at an account's mailboxes");
  mailbox
    .command('list <address>')
    .description('list the mailboxes of an account with their counts')
    .action(async (address: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.mailboxList({ address }));
      output(cmd, result, () =>
        table(
          ['MAILBOX', 'SPECIAL-USE', 'MESSAGES', 'UNSEEN', 'SIZE'],
          result.map((m) => [m.name, m.specialUse ?? '', m.messages, m.unseen, formatBytes(m.size)]),
        ),
      );
    });
}
