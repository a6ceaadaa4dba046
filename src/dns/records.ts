import { createHash } from 'node:crypto';
import type { Config, ListenerName } from '../config/index.ts';
import { mtaStsPolicy } from '../http/mta-sts.ts';

export interface DnsRecord {
  /** Fully qualified, with the final dot. */
  name: string;
  type: 'MX' | 'A' | 'AAAA' | 'TXT' | 'SRV' | 'CNAME';
  /** As in a zone file: TXT values quoted, names with the final dot. */
  value: string;
  /** Why the record is there, printed as a comment above it. */
  comment: string;
  /** A value the admin must fill in (the public address when not configured). */
  placeholder?: boolean;
}

/** A DKIM public key published at SELECTOR._domainkey.DOMAIN (the key itself lives in the store). */
export interface DkimPublicKey {
  selector: string;
  /** The `k=` algorithm: rsa or ed25519. */
  algorithm: 'rsa' | 'ed25519';
  /** The SubjectPublicKeyInfo (rsa) or raw key (ed25519), base64. */
  publicKey: string;
}

const fqdn = (name: string) => (name.endsWith('.') ? name : `${name}.`);

/** TXT strings are at most 255 bytes each (RFC 1035); longer values (DKIM keys) are split. */
function txt(value: string): string {
  const parts = value.match(/.{1,255}/g) ?? [''];
  return parts.map((p) => `"${p.replace(/["\\]/g, '\\$&')}"`).join(' ');
}

/** RFC 6186 and RFC 8314: implicit TLS preferred (priority 0) over STARTTLS (10); "." for a service not offered. */
const SRV: [string, ListenerName, number, string?][] = [
  ['_submissions', 'submissions', 0],
  ['_submission', 'submission', 10],
  ['_imaps', 'imaps', 0],
  ['_imap', 'imap', 10],
  ['_pop3s', 'pop3s', 0],
  ['_pop3', 'pop3', 10],
  // ManageSieve has STARTTLS only; sieve-connect and others look this up (RFC 5804 1.8).
  ['_sieve', 'managesieve', 0, 'RFC 5804'],
];

/** Every record to publish for `domain` so that mail, clients and other servers find this server. */
export function dnsRecords(domain: string, config: Pick<Config, 'hostname' | 'listeners' | 'mta_sts' | 'dns'>, dkim: DkimPublicKey[] = []): DnsRecord[] {
  const zone = fqdn(domain);
  const host = fqdn(config.hostname);
  const policy = mtaStsPolicy(config.mta_sts.mode, config.hostname, config.mta_sts.max_age);
  // The id changes exactly when the policy does, so re-publishing an unchanged one is harmless.
  const policyId = createHash('sha256').update(policy).digest('hex').slice(0, 16);
  // Every local domain has postmaster@ (RFC 5321 section 4.5.1): an alias of that name, or the first account.
  const reports = `mailto:postmaster@${domain}`;
  const records: DnsRecord[] = [
    { name: zone, type: 'MX', value: `10 ${host}`, comment: 'mail for the domain goes to this server' },
    config.dns.ipv4
      ? { name: host, type: 'A', value: config.dns.ipv4, comment: 'the server\'s IPv4 address (dns.ipv4)' }
      : { name: host, type: 'A', value: 'PUBLIC-IPV4-ADDRESS', comment: 'the server\'s public IPv4 address (set dns.ipv4 to print it here)', placeholder: true },
    ...(config.dns.ipv6 ? [{ name: host, type: 'AAAA' as const, value: config.dns.ipv6, comment: 'the server\'s IPv6 address (dns.ipv6)' }] : []),
    { name: zone, type: 'TXT', value: txt('v=spf1 mx -all'), comment: 'SPF: only the MX hosts send mail for the domain' },
    ...dkim.map((key) => ({
      name: `${key.selector}._domainkey.${zone}`,
      type: 'TXT' as const,
      value: txt(`v=DKIM1; k=${key.algorithm}; p=${key.publicKey}`),
      comment: `DKIM public key, selector ${key.selector}`,
    })),
    { name: `_dmarc.${zone}`, type: 'TXT', value: txt(`v=DMARC1; p=none; rua=${reports}`), comment: 'DMARC: reports to postmaster (the domain\'s first account unless an alias postmaster@ says otherwise); raise p= to quarantine or reject once they are clean' },
    { name: `_mta-sts.${zone}`, type: 'TXT', value: txt(`v=STSv1; id=${policyId}`), comment: `MTA-STS: a policy is served at https://mta-sts.${domain}/.well-known/mta-sts.txt (mode ${config.mta_sts.mode})` },
    { name: `mta-sts.${zone}`, type: 'CNAME', value: host, comment: 'serves the MTA-STS policy (in the ACME certificate)' },
    { name: `_smtp._tls.${zone}`, type: 'TXT', value: txt(`v=TLSRPTv1; rua=${reports}`), comment: 'TLS-RPT: other servers report TLS failures to postmaster' },
    ...SRV.map(([service, listener, priority, rfc]): DnsRecord => {
      const l = config.listeners[listener];
      return l.enabled
        ? { name: `${service}._tcp.${zone}`, type: 'SRV', value: `${priority} 1 ${l.port} ${host}`, comment: `clients find ${listener} (${rfc ?? 'RFC 6186, RFC 8314'})` }
        : { name: `${service}._tcp.${zone}`, type: 'SRV', value: '0 0 0 .', comment: `${listener} is not offered` };
    }),
    { name: `autoconfig.${zone}`, type: 'CNAME', value: host, comment: 'Thunderbird autoconfig (in the ACME certificate)' },
    { name: `autodiscover.${zone}`, type: 'CNAME', value: host, comment: 'Outlook Autodiscover' },
  ];
  return records;
}

/** Zone-file lines, ready to paste: a comment, then `NAME TTL IN TYPE VALUE`. */
export function formatZone(records: DnsRecord[], ttl = 3600): string {
  const width = Math.max(...records.map((r) => r.name.length));
  return records.map((r) => `; ${r.comment}${r.placeholder ? ' -- REPLACE THE PLACEHOLDER' : ''}\n${r.name.padEnd(width)} ${ttl} IN ${r.type.padEnd(5)} ${r.value}`).join('\n') + '\n';
}
