import type { Command } from 'commander';
import { normalizeDomain } from '../../delivery/address.ts';
import { dkimPublicKeys, dnsRecords, formatZone } from '../../dns/records.ts';
import { CliError, output, withAdmin } from '../context.ts';

export function dnsCommand(program: Command): void {
  program
    .command('dns <domain>')
    .description('print every DNS record to publish for a local domain, ready to paste into a zone')
    .action(async (input: string, _opts, cmd: Command) => {
      const domain = normalizeDomain(input);
      if (!domain) throw new CliError(`not a valid domain name: ${JSON.stringify(input)}`);
      const records = await withAdmin(cmd, async (admin, config) => {
        const local = await admin.domainList();
        if (!local.some((d) => d.name === domain)) throw new CliError(`${domain} is not a domain of this server (add it with \`mailfold domain add ${domain}\`)`);
        return dnsRecords(domain, config, dkimPublicKeys(await admin.dkimShow({ domain })));
      });
      output(cmd, records, () => formatZone(records));
    });
}
