import type { Command } from 'commander';
import type { RecipientReport } from '../../delivery/deliver.ts';
import { CliError, output, withAdmin } from '../context.ts';
import { readAll } from '../prompt.ts';

/** sysexits.h, which MTAs read to decide between bouncing and retrying. */
export const EX = { OK: 0, USAGE: 64, DATAERR: 65, NOUSER: 67, UNAVAILABLE: 69, SOFTWARE: 70, TEMPFAIL: 75, NOPERM: 77, CONFIG: 78 } as const;

/** The worst outcome decides: retry beats bounce, because a retry loses nothing. */
export function deliverExitCode(reports: RecipientReport[]): number {
  const statuses = reports.flatMap((r) => r.outcomes.map((o) => o.status));
  if (statuses.some((s) => s === 'over-quota' || s === 'failed')) return EX.TEMPFAIL;
  if (statuses.some((s) => s === 'unknown')) return EX.NOUSER;
  if (statuses.some((s) => s === 'remote')) return EX.UNAVAILABLE;
  return EX.OK;
}

function describe(report: RecipientReport): string[] {
  return report.outcomes.map((o) => {
    switch (o.status) {
      case 'delivered': return `${report.recipient}: delivered to ${o.account} (${o.mailbox}, uid ${o.uid})`;
      case 'unknown': return `${report.recipient}: no such user (${o.detail})`;
      case 'over-quota': return `${report.recipient}: temporary failure: ${o.detail}`;
      case 'queued': return `${report.recipient}: queued for ${o.address} (queue id ${o.queueId})`;
      case 'remote': return `${report.recipient}: not queued for remote address ${o.address}`;
      case 'failed': return `${report.recipient}: temporary failure: ${o.detail}`;
      case 'rejected': return `${report.recipient}: rejected by the Sieve script of ${o.account}: ${o.reason}`;
      case 'filtered': return `${report.recipient}: Sieve script of ${o.account}: ${o.detail}`;
    }
  });
}

export function deliverCommand(program: Command): void {
  program
    .command('deliver')
    .description('deliver the message on standard input to local recipients (exit codes from sysexits.h: 0, 67, 75, ...)')
    .requiredOption('--to <address...>', 'recipient address(es): accounts, aliases, +tag addresses, catch-alls')
    .option('--from <address>', 'envelope sender for Return-Path (default: the null sender <>)', '')
    .option('--mailbox <name>', 'file into this mailbox instead of INBOX (INBOX when it does not exist)')
    .option('--no-filter', 'skip the spam filter (for mail another filter judged already)')
    .action(async (opts: { to: string[]; from: string; mailbox?: string; filter: boolean }, cmd: Command) => {
      const reports = await withAdmin(cmd, async (admin, config) => {
        const raw = await readAll(config.limits.message_size);
        if (raw.length === 0) throw new CliError('no message on standard input', EX.DATAERR);
        if (raw.length > config.limits.message_size) {
          throw new CliError(`the message is larger than limits.message_size (${config.limits.message_size} bytes)`, EX.DATAERR);
        }
        return admin.deliver({ from: opts.from, to: opts.to, mailbox: opts.mailbox, filter: opts.filter }, raw);
      });
      output(cmd, reports, () => reports.flatMap(describe).join('\n'));
      process.exitCode = deliverExitCode(reports);
    });
}
