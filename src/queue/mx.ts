import type { DnsResolve } from '../net/dns.ts';

/** Where a domain's mail goes: MX host names in the order to try, or why nowhere. */
export type Route =
  | { ok: true; hosts: string[] }
  | { ok: false; permanent: boolean; status: string; reason: string };

const code = (err: unknown): string => (err as { code?: string }).code ?? '';

/** Equal preferences are tried in random order (RFC 5321 5.1), so load spreads over them. */
function byPreference(records: { priority: number; exchange: string }[]): string[] {
  return records
    .map((r) => ({ ...r, tie: Math.random() }))
    .sort((a, b) => a.priority - b.priority || a.tie - b.tie)
    .map((r) => r.exchange.replace(/\.$/, '').toLowerCase());
}

/**
 * RFC 5321 5.1 and RFC 7505: the MX records by preference; without any, the
 * domain itself (implicit MX); a null MX (".") means the domain takes no mail.
 */
export async function findRoute(resolve: DnsResolve, domain: string): Promise<Route> {
  try {
    const records = (await resolve(domain, 'MX')) as { priority: number; exchange: string }[];
    if (records.some((r) => r.exchange === '' || r.exchange === '.')) {
      return { ok: false, permanent: true, status: '5.1.10', reason: `${domain} does not accept mail (null MX, RFC 7505)` };
    }
    if (records.length > 0) return { ok: true, hosts: byPreference(records) };
    return { ok: true, hosts: [domain] };
  } catch (err) {
    if (code(err) === 'ENODATA') return { ok: true, hosts: [domain] };
    if (code(err) === 'ENOTFOUND') return { ok: false, permanent: true, status: '5.1.2', reason: `${domain}: no such domain` };
    return { ok: false, permanent: false, status: '4.4.3', reason: `MX lookup for ${domain} failed: ${code(err) || (err as Error).message}` };
  }
}

/** A host's IPv4 then IPv6 addresses; none when it has none or the lookup fails (the next MX is tried). */
export async function hostAddresses(resolve: DnsResolve, host: string): Promise<string[]> {
  const lookup = (rrtype: 'A' | 'AAAA') => (resolve(host, rrtype) as Promise<string[]>).catch((): string[] => []);
  const [v4, v6] = await Promise.all([lookup('A'), lookup('AAAA')]);
  return [...v4, ...v6];
}
