import type { DNSResolver } from 'mailauth';
import type { Logger } from '../log/logger.ts';
import type { DnsResolve } from '../net/dns.ts';
import type { MtaStsPolicy, Vault } from '../store/types.ts';

/** What a domain's MTA-STS policy (RFC 8461) asks of a delivery to it. */
export interface StsRule {
  mode: MtaStsPolicy['mode'];
  /** The policy id, for logs. */
  id?: string;
  /** Whether the policy lists this MX host; true for every host without a policy. */
  allows(host: string): boolean;
}

/** No policy: every MX host, opportunistic TLS. */
export const NO_STS: StsRule = { mode: 'none', allows: () => true };

/**
 * The domain's policy: the stored one while it is valid and the TXT record names
 * the same id, a freshly fetched one otherwise (kept in the store until its max_age
 * ends). When no policy can be had, mailauth applies the stored one until it expires
 * (RFC 8461 section 5.1); with neither, delivery is opportunistic as without MTA-STS.
 */
export async function stsRule(store: Vault, resolve: DnsResolve, domain: string, log: Logger): Promise<StsRule> {
  // Loaded at the first direct delivery: mailauth's module adds about 30 MB to an idle server's RSS.
  const { getPolicy, validateMx } = await import('mailauth/lib/mta-sts.js');
  const known = await store.getMtaStsPolicy(domain);
  const { policy, status } = await getPolicy(domain, known, { resolver: resolve as DNSResolver });
  if (policy.error) log.warn({ domain, err: policy.error, status }, 'MTA-STS policy could not be fetched');
  if (!policy.id || policy.mode === undefined || !policy.expires) return NO_STS;
  const current: MtaStsPolicy = {
    id: policy.id,
    mode: policy.mode,
    expires: policy.expires,
    ...(policy.mx ? { mx: policy.mx } : {}),
    ...(policy.maxAge !== undefined ? { maxAge: policy.maxAge } : {}),
    ...(policy.version ? { version: policy.version } : {}),
  };
  if (known?.id !== current.id || known.expires !== current.expires) await store.putMtaStsPolicy(domain, current);
  if (current.mode === 'none') return NO_STS;
  return { mode: current.mode, id: current.id, allows: (host) => validateMx(host, current).valid };
}
