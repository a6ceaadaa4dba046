import { normalizeAddress, normalizeDomain } from '../delivery/address.ts';
import type { DnsResolve } from '../net/dns.ts';

/** A `mailto:` report destination, with the size limit the domain gave it (RFC 7489 section 6.2, `!10m`). */
export interface ReportAddress {
  address: string;
  /** Bytes; absent: no limit. */
  maxBytes?: number;
}

/**
 * Destinations taken from one rua: RFC 7489 section 6.2 asks a sender to support at
 * least two; a longer list (a hostile one naming thousands) gets only its first two.
 */
export const MAX_DESTINATIONS = 2;
/** A tag longer than this is not a list of a few addresses. */
const MAX_RUA = 2048;
const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/**
 * The mailto: destinations of a rua tag (DMARC's, or TLS-RPT's without size limits),
 * in order, at most MAX_DESTINATIONS; every other scheme, and anything that does
 * not parse as an address, is skipped.
 */
export function ruaAddresses(rua: string | undefined, withLimits: boolean): ReportAddress[] {
  if (typeof rua !== 'string' || rua.length > MAX_RUA) return [];
  const out: ReportAddress[] = [];
  for (const item of rua.split(',')) {
    if (out.length >= MAX_DESTINATIONS) break;
    const m = /^\s*mailto:([^!?\s]+)(?:\?[^!\s]*)?(?:!(\d{1,12})([kmgt]?))?\s*$/i.exec(item);
    if (!m || (!withLimits && m[2] !== undefined)) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(m[1]!);
    } catch {
      continue;
    }
    const address = normalizeAddress(decoded);
    if (!address || out.some((a) => a.address === address)) continue;
    out.push({ address, ...(m[2] !== undefined ? { maxBytes: Number(m[2]) * UNITS[m[3]!.toLowerCase()]! } : {}) });
  }
  return out;
}

/** Whether `domain` is `org` or below it. */
const within = (domain: string, org: string): boolean => domain === org || domain.endsWith(`.${org}`);

/**
 * RFC 7489 section 7.1: a destination outside the policy's organizational domain gets
 * reports only when its domain publishes `<policy-domain>._report._dmarc.<its-domain>`
 * TXT starting `v=DMARC1`, so that nobody can make us mail a third party.
 */
export async function mayReportTo(resolve: DnsResolve, policyDomain: string, orgDomain: string, address: string): Promise<boolean> {
  const domain = normalizeDomain(address.slice(address.lastIndexOf('@') + 1));
  if (!domain) return false;
  if (within(domain, orgDomain)) return true;
  try {
    const records = (await resolve(`${policyDomain}._report._dmarc.${domain}`, 'TXT')) as string[][];
    return records.some((strings) => /^v=DMARC1\s*(;|$)/i.test(strings.join('')));
  } catch {
    return false;
  }
}
