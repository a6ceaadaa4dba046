import type { Command } from 'commander';
import type { DkimDnsRecord } from '../../dkim/keys.ts';
import { output, withAdmin } from '../context.ts';

/** Zone-file lines to paste at the DNS provider, each with a comment saying whether it signs. */
function zoneText(records: DkimDnsRecord[], domain: string): string {
  if (records.length === 0) return `${domain} has no DKIM keys (make them with \`mailfold dkim generate ${domain}\`)`;
  return records.map((r) => `; ${r.algorithm}, ${r.active ? 'signing' : 'no longer signing: keep until mail signed with it is delivered, then remove'}\n${r.zone}`).join('\n');
}

export function dkimCommands(program: Command): void {
  const dkim = program.command('dkim').description('DKIM keys that sign mail submitted for a local domain');
  dkim
    .command('generate <domain>')
    .description('make a new Ed25519 key and a new RSA-2048 key for a domain; both sign from now on')
    .option('--suffix <text>', 'selector suffix: selectors are mf-ed-SUFFIX and mf-rsa-SUFFIX (default: the date, YYYYMMDD)')
    .action(async (domain: string, opts: { suffix?: string }, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.dkimGenerate({ domain, suffix: opts.suffix }));
      output(cmd, result, () => `generated DKIM keys for ${domain}; publish these TXT records:\n${zoneText(result, domain)}`);
    });
  dkim
    .command('show <domain>')
    .description("print the domain's DKIM TXT records, ready to paste into its DNS zone")
    .action(async (domain: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.dkimShow({ domain }));
      output(cmd, result, () => zoneText(result, domain));
    });
  dkim
    .command('remove <domain> <selector>')
    .description('remove a key (after a newer one took over signing)')
    .action(async (domain: string, selector: string, _opts, cmd: Command) => {
      const result = await withAdmin(cmd, (admin) => admin.dkimRemove({ domain, selector }));
      output(cmd, result, () => `removed DKIM key ${result.removed}`);
    });
}
