import { Resolver } from 'node:dns/promises';

/** Where a domain's mail goes: MX host names in the order to try, or why nowhere. */
export type Route =
  | { ok: true; hosts: string[] }
  | { ok: false; permanent: boolean; status: string; reason: string };

/** A resolver that asks the configured servers ("ip" or "ip:port"), or the system's when none are. */
export function createResolver(servers: string[]): Resolver {
  const resolver = new Resolver({ timeout: 5000, tries: 2 });
  if (servers.length > 0) resolver.setServers(servers);
  return resolver;
}

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
export async function findRoute(resolver: Resolver, domain: string): Promise<Route> {
  try {
    const records = await resolver.resolveMx(domain);
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
export async function hostAddresses(resolver: Resolver, host: string): Promise<string[]> {
  const lookup = (family: 4 | 6) => (family === 4 ? resolver.resolve4(host) : resolver.resolve6(host)).catch((): string[] => []);
  const [v4, v6] = await Promise.all([lookup(4), lookup(6)]);
  return [...v4, ...v6];
}
