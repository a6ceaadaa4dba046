import type { Command } from 'commander';
import type { ReportOutcome } from '../../reports/sender.ts';
import { output, withAdmin } from '../context.ts';
import { table } from '../format.ts';

function describe(outcomes: ReportOutcome[]): string {
  if (outcomes.length === 0) return 'no report to send';
  return table(
    ['KIND', 'DOMAIN', 'DAY', 'SENT TO'],
    outcomes.map((o) => [o.kind, o.domain, o.day, o.to.length > 0 ? o.to.join(', ') : `(not sent: ${o.skipped ?? 'nowhere to send'})`]),
  );
}

export function reportsCommands(program: Command): void {
  const reports = program.command('reports').description('DMARC and TLS-RPT aggregate reports this server sends');
  reports
    .command('send')
    .description('send the reports of finished days now, through the running server\'s queue')
    .option('--now', 'send today\'s counts so far as well')
    .action(async (opts: { now?: boolean }, cmd: Command) => {
      const outcomes = await withAdmin(cmd, (admin) => admin.reportsSend({ now: opts.now === true }));
      output(cmd, outcomes, () => describe(outcomes));
    });
}
