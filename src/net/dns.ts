import { promises as dns } from 'node:dns';

/** What mailauth calls for every lookup: `dns.promises.resolve`'s shape. */
export type DnsResolve = (name: string, rrtype: string) => Promise<unknown[]>;

/** A DnsResolve whose lookups in flight can be ended (they fail with ECANCELLED), for a prompt shutdown. */
export type DnsResolver = DnsResolve & { cancel(): void };

export interface DnsOptions {
  /** "ip" or "ip:port"; empty for the system's resolver. */
  servers: string[];
  /** Per try; c-ares doubles it on each retry. */
  timeoutMs?: number;
  tries?: number;
  /** How long an answer (or a "no such name") is reused; the library gives us no TTLs. */
  cacheMs?: number;
  cacheEntries?: number;
}

/** The answers a lookup can give that are answers, not failures: they are cached like records. */
const NEGATIVE = new Set(['ENOTFOUND', 'ENODATA']);

/**
 * A resolver with a timeout and a small cache shared by every session: one message's
 * SPF, DKIM and DMARC lookups, and the next message from the same sender, hit the
 * same names. Lookups in flight are shared too. Entries expire after `cacheMs`, and
 * the oldest go first once `cacheEntries` is reached.
 */
export function createResolver(opts: DnsOptions, now: () => number = Date.now): DnsResolver {
  const resolver = new dns.Resolver({ timeout: opts.timeoutMs ?? 2000, tries: opts.tries ?? 2 });
  if (opts.servers.length > 0) resolver.setServers(opts.servers);
  const cacheMs = opts.cacheMs ?? 60_000;
  const limit = opts.cacheEntries ?? 1000;
  const cache = new Map<string, { expires: number; answer: Promise<unknown[]> }>();
  const resolve: DnsResolve = (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const hit = cache.get(key);
    if (hit && hit.expires > now()) return hit.answer;
    cache.delete(key);
    const answer = resolver.resolve(name, rrtype) as Promise<unknown[]>;
    cache.set(key, { expires: now() + cacheMs, answer });
    // A timeout or a server failure is not an answer: the next message asks again.
    answer.catch((err: NodeJS.ErrnoException) => {
      if (!NEGATIVE.has(err.code ?? '') && cache.get(key)?.answer === answer) cache.delete(key);
    });
    if (cache.size > limit) cache.delete(cache.keys().next().value!);
    return answer;
  };
  return Object.assign(resolve, { cancel: () => resolver.cancel() });
}

/**
 * At most `max` lookups through `resolve`; past that each one fails as a timeout
 * would. A message with thousands of DKIM signatures then costs a bounded amount
 * of DNS traffic, and its checks end as temperror.
 */
export function budgeted(resolve: DnsResolve, max: number): DnsResolve {
  let left = max;
  return (name, rrtype) => {
    if (left-- > 0) return resolve(name, rrtype);
    return Promise.reject(Object.assign(new Error(`DNS lookup budget of ${max} exhausted`), { code: 'ETIMEOUT' }));
  };
}
