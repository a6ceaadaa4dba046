import type { Command } from 'commander';
import type { AdminApi } from '../../admin/protocol.ts';
import type { Config } from '../../config/index.ts';
import { normalizeDomain } from '../../delivery/address.ts';
import { checkDomain } from '../../dns/check/domain.ts';
import { fetchMtaStsPolicy } from '../../dns/check/mta-sts-policy.ts';
import { dkimPublicKeys, dnsRecords, formatZone, type DkimPublicKey } from '../../dns/records.ts';
import { createResolver } from '../../net/dns.ts';
import { createValidatingResolver } from '../../net/validating-resolver.ts';
import { formatDnsCheck } from '../dns-check-report.ts';
import { CliError, output, withAdmin } from '../context.ts';

function localDomain(input: string): string {
  const domain = normalizeDomain(input);
  if (!domain) throw new CliError(`not a valid domain name: ${JSON.stringify(input)}`);
  return domain;
}

/** The domain's DKIM public keys, after checking that it is one of ours. */
async function dkimKeys(admin: AdminApi, domain: string): Promise<DkimPublicKey[]> {
  const local = await admin.domainList();
  if (!local.some((d) => d.name === domain)) throw new CliError(`${domain} is not a domain of this server (add it with \`mailfold domain add ${domain}\`)`);
  return dkimPublicKeys(await admin.dkimShow({ domain }));
}

/** With DANE on: the TLSA record of the served certificate's key, when there is a certificate. */
async function certificateTlsa(admin: AdminApi, config: Config): Promise<string | undefined> {
  if (!config.smtp.dane.enabled) return undefined;
  return admin.certStatus().then(
    (status) => status.tlsa,
    () => undefined,
  );
}

export function dnsCommand(program: Command): void {
  const dns = program
    .command('dns')
    .argument('<domain>')
    .description('print every DNS record to publish for a local domain, ready to paste into a zone; `dns check DOMAIN` compares them with what is published')
    .action(async (input: string, _opts, cmd: Command) => {
      const domain = localDomain(input);
      const records = await withAdmin(cmd, async (admin, config) => dnsRecords(domain, config, await dkimKeys(admin, domain), await certificateTlsa(admin, config)));
      output(cmd, records, () => formatZone(records));
    });
  dns
    .command('check <domain>')
    .description('look up what a local domain publishes (DNS with the [dns] servers, the MTA-STS policy over HTTPS) and say what to change')
    .action(async (input: string, _opts, cmd: Command) => {
      const domain = localDomain(input);
      const [config, dkim, tlsa] = await withAdmin(cmd, async (admin, c): Promise<[Config, DkimPublicKey[], string | undefined]> => [c, await dkimKeys(admin, domain), await certificateTlsa(admin, c)]);
      const resolve = createResolver({ servers: config.dns.servers, cacheMs: 0 });
      const validating = config.smtp.dane.enabled ? createValidatingResolver({ server: config.smtp.dane.resolver }) : undefined;
      const report = await checkDomain(domain, config, dkim, { resolve, fetchPolicy: (d) => fetchMtaStsPolicy(d, { resolve }), ...(validating ? { validating } : {}), ...(tlsa ? { tlsa } : {}) });
      output(cmd, report, () => formatDnsCheck(report));
      if (!report.ok) process.exitCode = 2;
    });
}
