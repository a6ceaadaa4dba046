import type { DNSResolver } from 'mailauth';
import type { Logger } from '../log/logger.ts';
import type { DnsResolve } from '../net/dns.ts';
import type { MtaStsPolicy, Vault } from '../store/types.ts';
import type { TlsPolicy } from '../reports/tlsrpt.ts';

/** What a domain's MTA-STS policy (RFC 8461) asks of a delivery to it. */
export interface StsRule {
  mode: MtaStsPolicy['mode'];
  /** The policy id, for logs. */
  id?: string;
  /** Whether the policy lists this MX host; true for every host without a policy. */
  allows(host: string): boolean;
  /** The policy as TLS-RPT reports it (RFC 8460 section 4.3). */
  report: TlsPolicy;
  /** Why a published policy could not be had (TLS-RPT's sts-policy-fetch-error or sts-policy-invalid). */
  failure?: { type: 'sts-policy-fetch-error' | 'sts-policy-invalid'; reason: string };
}

/** No policy: every MX host, opportunistic TLS. */
export const NO_STS: StsRule = { mode: 'none', allows: () => true, report: { type: 'no-policy-found' } };

/** The policy's lines as TLS-RPT's policy-string lists them (RFC 8460 section 4.3). */
const policyStrings = (p: MtaStsPolicy): string[] => [
  `version: ${p.version ?? 'STSv1'}`,
  `mode: ${p.mode}`,
  ...(p.mx ?? []).map((mx) => `mx: ${mx}`),
  ...(p.maxAge !== undefined ? [`max_age: ${p.maxAge}`] : []),
];

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
  // A TXT record named a policy that could not be fetched or read: TLS-RPT reports that.
  const failure = policy.error && policy.id && policy.mode === 'none' ? { failure: fetchFailure(policy.error) } : {};
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
  if (current.mode === 'none') return { ...NO_STS, ...failure };
  return {
    mode: current.mode,
    id: current.id,
    allows: (host) => validateMx(host, current).valid,
    report: { type: 'sts', strings: policyStrings(current), ...(current.mx ? { mxHost: current.mx } : {}) },
  };
}

function fetchFailure(error: unknown): NonNullable<StsRule['failure']> {
  const reason = error instanceof Error ? error.message : String(error);
  return { type: /invalid|syntax|parse|version|mode/i.test(reason) ? 'sts-policy-invalid' : 'sts-policy-fetch-error', reason };
}
