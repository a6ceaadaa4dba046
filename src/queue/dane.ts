import { createHash, X509Certificate } from 'node:crypto';
import type { TlsaData } from '../net/dns-wire.ts';
import { presentTlsa, RCODE } from '../net/dns-wire.ts';
import type { DnsResolve } from '../net/dns.ts';
import { publicKeyInfo } from '../tls/tlsa.ts';
import { rcodeError, type ValidatingResolver } from '../net/validating-resolver.ts';

/**
 * How one hop to an MX host was protected, on every Attempt that went to an MX host
 * (not on smarthost or capture attempts):
 *
 * - `policy: 'dane'`: the host has DNSSEC-validated TLSA records (RFC 7672); STARTTLS was
 *   required. `verified` is true when the certificate matched one of them; false only
 *   when every record was unusable (encryption without authentication, RFC 7672 2.2).
 * - `policy: 'mta-sts'`: the domain's MTA-STS policy is `enforce` (RFC 8461); STARTTLS and
 *   a certificate valid for the MX name were required, so `verified` is true.
 * - `policy: 'opportunistic'`: STARTTLS when offered, any certificate; `verified` is false.
 *
 * A hop is authenticated (what REQUIRETLS, RFC 8689, asks for) exactly when `verified`.
 * DANE comes before MTA-STS (RFC 8461 section 2): a host with TLSA records is never
 * judged by the MTA-STS policy.
 */
export interface HopTls {
  policy: 'dane' | 'mta-sts' | 'opportunistic';
  verified: boolean;
}

/** What DANE asks of one MX host. */
export type DaneRule =
  /** DANE does not apply (no DNSSEC, or validated absence of TLSA records): MTA-STS or opportunistic. */
  | { kind: 'none'; why: string }
  /** STARTTLS required; the certificate must match one of `records` (none usable: encryption alone). */
  | { kind: 'dane'; records: TlsaData[] }
  /** The TLSA lookup failed (SERVFAIL, bogus, no answer): the host is not used (RFC 7672 section 2.2). */
  | { kind: 'fail'; reason: string };

/** Usages 2 (DANE-TA) and 3 (DANE-EE) only: PKIX-TA/EE (0, 1) are unusable for SMTP (RFC 7672 section 3.1.3). */
const DIGEST_LENGTH: Record<number, number> = { 1: 32, 2: 64 };

export function usable(r: TlsaData): boolean {
  if (r.usage !== 2 && r.usage !== 3) return false;
  if (r.selector !== 0 && r.selector !== 1) return false;
  if (r.matching === 0) return r.data.length > 0;
  return DIGEST_LENGTH[r.matching] === r.data.length;
}

/** The TLSA owner name of an SMTP server (RFC 6698 section 3, RFC 7672 section 2.2.3). */
export const tlsaName = (host: string, port: number): string => `_${port}._tcp.${host.replace(/\.$/, '')}`;

/**
 * The DANE rule of an MX host whose MX record (and addresses) validated. Only an
 * answer with the AD bit counts: insecure TLSA records are ignored as if absent.
 */
export async function daneRule(resolver: ValidatingResolver, host: string, port: number): Promise<DaneRule> {
  const name = tlsaName(host, port);
  let answer;
  try {
    answer = await resolver.query(name, 'TLSA');
  } catch (err) {
    return { kind: 'fail', reason: `TLSA lookup of ${name} failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  if (answer.rcode !== RCODE.NOERROR && answer.rcode !== RCODE.NXDOMAIN) {
    return { kind: 'fail', reason: `TLSA lookup of ${name} failed (rcode ${answer.rcode}${answer.rcode === RCODE.SERVFAIL ? ', SERVFAIL: bogus or unreachable' : ''})` };
  }
  if (!answer.secure) return { kind: 'none', why: `TLSA answer for ${name} is not DNSSEC-validated` };
  const records = answer.records.flatMap((r) => (r.type === 'TLSA' ? [r.value] : []));
  if (records.length === 0) return { kind: 'none', why: `no TLSA records at ${name}` };
  return { kind: 'dane', records: records.filter(usable) };
}

/**
 * The validating resolver in the shape of Node's `resolve` (MX as `{priority, exchange}`,
 * addresses as strings; NXDOMAIN, NODATA, SERVFAIL as ENOTFOUND, ENODATA, ESERVFAIL),
 * so that route and address lookups read the same either way. `secure` hears the AD bit
 * of every answer, a NODATA or NXDOMAIN included.
 */
export function secureLookup(resolver: ValidatingResolver, secure: (ad: boolean) => void): DnsResolve {
  return async (name, rrtype) => {
    if (rrtype !== 'MX' && rrtype !== 'A' && rrtype !== 'AAAA') throw new Error(`${rrtype} is not looked up through the DANE resolver`);
    const answer = await resolver.query(name, rrtype);
    if (answer.rcode !== RCODE.NOERROR) {
      if (answer.rcode === RCODE.NXDOMAIN) secure(answer.secure);
      throw rcodeError(answer.rcode, name, rrtype);
    }
    secure(answer.secure);
    const values = answer.records.flatMap((r) => (r.type === rrtype ? [r.value] : []));
    if (values.length === 0) throw Object.assign(new Error(`${rrtype} ${name}: ENODATA`), { code: 'ENODATA' });
    return values;
  };
}

function selected(cert: X509Certificate, selector: number): Buffer {
  return selector === 0 ? cert.raw : publicKeyInfo(cert);
}

function matches(r: TlsaData, cert: X509Certificate): boolean {
  const bytes = selected(cert, r.selector);
  const value = r.matching === 0 ? bytes : createHash(r.matching === 1 ? 'sha256' : 'sha512').update(bytes).digest();
  return value.equals(r.data);
}

/**
 * Whether the server's chain (leaf first, as sent) satisfies one of the usable records
 * (RFC 7671 sections 5.1 and 5.2, RFC 7672 section 3.1):
 * DANE-EE(3) matches the leaf alone, whatever its names and dates;
 * DANE-TA(2) matches a certificate the server sent above the leaf, the chain from the
 * leaf up to it must be signed link by link, and the leaf must be current and name
 * the MX host (RFC 7672 section 3.2.2).
 */
export function checkChain(records: TlsaData[], chain: X509Certificate[], host: string, now: Date = new Date()): { ok: true; record: string } | { ok: false; reason: string } {
  const leaf = chain[0];
  if (!leaf) return { ok: false, reason: 'the server sent no certificate' };
  for (const r of records.filter((x) => x.usage === 3)) if (matches(r, leaf)) return { ok: true, record: presentTlsa(r) };
  const problems: string[] = [];
  for (const r of records.filter((x) => x.usage === 2)) {
    const at = chain.findIndex((c, i) => i > 0 && matches(r, c));
    if (at < 0) continue;
    const broken = chain.slice(0, at).findIndex((c, i) => !c.checkIssued(chain[i + 1]!) || !c.verify(chain[i + 1]!.publicKey));
    if (broken >= 0) problems.push(`DANE-TA: certificate ${broken} of the chain is not signed by the next`);
    else if (Date.parse(leaf.validFrom) > now.getTime() || Date.parse(leaf.validTo) < now.getTime()) problems.push('DANE-TA: the certificate is expired or not yet valid');
    else if (leaf.checkHost(host, { subject: 'default' }) === undefined) problems.push(`DANE-TA: the certificate does not name ${host}`);
    else return { ok: true, record: presentTlsa(r) };
  }
  const sha = createHash('sha256').update(selected(leaf, 1)).digest('hex');
  return { ok: false, reason: problems[0] ?? `no TLSA record matches the certificate (its key is 3 1 1 ${sha})` };
}
