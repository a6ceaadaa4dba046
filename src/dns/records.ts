import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { Config, ListenerName } from '../config/index.ts';
import { mtaStsPolicy } from '../http/mta-sts.ts';

export interface DnsRecord {
  /** Fully qualified, with the final dot. */
  name: string;
  type: 'MX' | 'A' | 'AAAA' | 'TXT' | 'SRV' | 'CNAME' | 'TLSA';
  /** As in a zone file: TXT values quoted, names with the final dot. */
  value: string;
  /** A TXT record's text as a resolver returns it: unquoted, its strings joined. */
  text?: string;
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

/** The public keys of `dkim show`'s records (`v=DKIM1; k=...; p=KEY`), as dnsRecords takes them. */
export const dkimPublicKeys = (shown: { selector: string; algorithm: DkimPublicKey['algorithm']; value: string }[]): DkimPublicKey[] =>
  shown.map((r) => ({ selector: r.selector, algorithm: r.algorithm, publicKey: r.value.replace(/^.*; p=/, '') }));

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
/** The SPF record: the MX hosts send, or with a smarthost the relay does (its `spf` mechanism, else its address). */
export function spfRecord(smarthost: Config['smtp']['smarthost']): string {
  if (!smarthost) return 'v=spf1 mx -all';
  const mechanism = smarthost.spf ?? (isIPv4(smarthost.host) ? `ip4:${smarthost.host}` : isIPv6(smarthost.host) ? `ip6:${smarthost.host}` : `a:${smarthost.host}`);
  return `v=spf1 ${mechanism} -all`;
}

const txtRecord = (name: string, text: string, comment: string): DnsRecord => ({ name, type: 'TXT', value: txt(text), text, comment });

/**
 * `tlsa` is the DANE-EE record of the served certificate's key ("3 1 1 HEX", its
 * CertificateStatus.tlsa); with [smtp.dane] on it is printed for our host, a
 * placeholder when the certificate is not known.
 */
export function dnsRecords(domain: string, config: Pick<Config, 'hostname' | 'listeners' | 'mta_sts' | 'dns' | 'smtp'>, dkim: DkimPublicKey[] = [], tlsa?: string): DnsRecord[] {
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
    txtRecord(zone, spfRecord(config.smtp.smarthost), config.smtp.smarthost ? `SPF: mail for the domain leaves through the smarthost ${config.smtp.smarthost.host}` : 'SPF: only the MX hosts send mail for the domain'),
    ...dkim.map((key) => txtRecord(`${key.selector}._domainkey.${zone}`, `v=DKIM1; k=${key.algorithm}; p=${key.publicKey}`, `DKIM public key, selector ${key.selector}`)),
    txtRecord(`_dmarc.${zone}`, `v=DMARC1; p=none; rua=${reports}`, 'DMARC: reports to postmaster (the domain\'s first account unless an alias postmaster@ says otherwise); raise p= to quarantine or reject once they are clean'),
    txtRecord(`_mta-sts.${zone}`, `v=STSv1; id=${policyId}`, `MTA-STS: a policy is served at https://mta-sts.${domain}/.well-known/mta-sts.txt (mode ${config.mta_sts.mode})`),
    { name: `mta-sts.${zone}`, type: 'CNAME', value: host, comment: 'serves the MTA-STS policy (in the ACME certificate)' },
    txtRecord(`_smtp._tls.${zone}`, `v=TLSRPTv1; rua=${reports}`, 'TLS-RPT: other servers report TLS failures to postmaster'),
    ...SRV.map(([service, listener, priority, rfc]): DnsRecord => {
      const l = config.listeners[listener];
      return l.enabled
        ? { name: `${service}._tcp.${zone}`, type: 'SRV', value: `${priority} 1 ${l.port} ${host}`, comment: `clients find ${listener} (${rfc ?? 'RFC 6186, RFC 8314'})` }
        : { name: `${service}._tcp.${zone}`, type: 'SRV', value: '0 0 0 .', comment: `${listener} is not offered` };
    }),
    { name: `autoconfig.${zone}`, type: 'CNAME', value: host, comment: 'Thunderbird autoconfig (in the ACME certificate)' },
    { name: `autodiscover.${zone}`, type: 'CNAME', value: host, comment: 'Outlook Autodiscover (in the ACME certificate)' },
    config.listeners.https.enabled
      ? { name: `_autodiscover._tcp.${zone}`, type: 'SRV', value: `0 1 ${config.listeners.https.port} ${host}`, comment: 'Outlook finds Autodiscover here when autodiscover.DOMAIN does not answer' }
      : { name: `_autodiscover._tcp.${zone}`, type: 'SRV', value: '0 0 0 .', comment: 'Autodiscover is not offered (https listener off)' },
  ];
  if (config.smtp.dane.enabled) records.push(tlsaRecord(host, tlsa));
  return records;
}

/** RFC 7672 section 3.1.1: DANE-EE(3) SPKI(1) SHA2-256(1) of the key, at port 25 of the MX host. */
function tlsaRecord(host: string, tlsa: string | undefined): DnsRecord {
  const comment =
    'DANE: the key of this server\'s certificate; only in a DNSSEC-signed zone. Renewals keep the key while DANE is on; ' +
    'before changing the key, publish the new key\'s record beside this one and wait out the TTL';
  return tlsa
    ? { name: `_25._tcp.${host}`, type: 'TLSA', value: tlsa, comment }
    : { name: `_25._tcp.${host}`, type: 'TLSA', value: '3 1 1 SHA-256-OF-THE-CERTIFICATE-KEY', comment: `${comment} (no certificate yet: \`mailfold serve\` makes one)`, placeholder: true };
}

/** Zone-file lines, ready to paste: a comment, then `NAME TTL IN TYPE VALUE`. */
export function formatZone(records: DnsRecord[], ttl = 3600): string {
  const width = Math.max(...records.map((r) => r.name.length));
  return records.map((r) => `; ${r.comment}${r.placeholder ? ' -- REPLACE THE PLACEHOLDER' : ''}\n${r.name.padEnd(width)} ${ttl} IN ${r.type.padEnd(5)} ${r.value}`).join('\n') + '\n';
}
