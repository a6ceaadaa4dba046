import { isIPv4, isIPv6 } from 'node:net';
import type { DnsResolve } from '../net/dns.ts';
import type { SpamSignal } from './verdict.ts';

/** What the MX knows of the sender before the content is read. */
export interface SpamContext {
  /** The connecting client; absent for `mailfold deliver`. */
  ip?: string;
  helo?: string;
  /** Envelope sender ("" for a bounce). */
  from: string;
  /** The MX's SPF, DKIM, DMARC and ARC results (smtp/verify.ts), when it checked them. */
  auth?: { spf?: string; dkim?: string[]; dmarc?: string; arc?: string };
}

export interface NetworkSettings {
  dnsbl: string[];
  dnsblWeight: number;
  dnswl: string[];
  dnswlWeight: number;
  /** The host's own name: a HELO claiming it is a forgery. */
  hostname: string;
}

/** Weights of the authentication results the MX already has. */
const AUTH_WEIGHTS: Record<string, Record<string, number>> = {
  spf: { fail: 1.5, softfail: 0.5 },
  dmarc: { fail: 2, pass: -0.5 },
  arc: { fail: 0.5 },
};

/**
 * The signals known without the content: DNSBL and DNSWL listings of the client's
 * address, the authentication results, and whether its HELO is a plausible name.
 * A lookup that fails counts as not listed (a list being down must not junk mail).
 */
export async function networkSignals(ctx: SpamContext, settings: NetworkSettings, resolve: DnsResolve | null): Promise<SpamSignal[]> {
  const signals: SpamSignal[] = [];
  for (const [method, weights] of Object.entries(AUTH_WEIGHTS)) {
    const result = ctx.auth?.[method as 'spf' | 'dmarc' | 'arc'];
    const weight = typeof result === 'string' ? weights[result] : undefined;
    if (weight !== undefined) signals.push({ name: `${method.toUpperCase()}_${result!.toUpperCase()}`, weight });
  }
  if (ctx.auth?.dkim?.includes('fail')) signals.push({ name: 'DKIM_FAIL', weight: 1 });
  signals.push(...heloSignals(ctx, settings.hostname));
  const reversed = ctx.ip ? reversedAddress(ctx.ip) : null;
  if (reversed && resolve) {
    const lookups = [
      ptrSignal(resolve, ctx.ip!, reversed),
      ...settings.dnsbl.map((zone) => listed(resolve, `${reversed}.${zone}`).then((hit) => (hit ? { name: 'DNSBL', weight: settings.dnsblWeight, detail: zone } : null))),
      ...settings.dnswl.map((zone) => listed(resolve, `${reversed}.${zone}`).then((hit) => (hit ? { name: 'DNSWL', weight: settings.dnswlWeight, detail: zone } : null))),
    ];
    for (const signal of await Promise.all(lookups)) if (signal) signals.push(signal);
  }
  return signals;
}

/**
 * The client's reverse DNS (forward-confirmed, as big providers demand of senders):
 * none at all, or a name that does not point back to the address. Not asked for
 * loopback and private addresses, whose clients are local programs.
 */
async function ptrSignal(resolve: DnsResolve, ip: string, reversed: string): Promise<SpamSignal | null> {
  if (isLocal(ip)) return null;
  const zone = isIPv4(ip.replace(/^::ffff:/i, '')) ? 'in-addr.arpa' : 'ip6.arpa';
  let names: unknown[];
  try {
    names = await resolve(`${reversed}.${zone}`, 'PTR');
  } catch (err) {
    // Only a definite "no such name" counts; a failing resolver says nothing of the client.
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOTFOUND' || code === 'ENODATA' ? { name: 'NO_PTR', weight: 1 } : null;
  }
  const name = names.find((n): n is string => typeof n === 'string');
  if (!name) return { name: 'NO_PTR', weight: 1 };
  try {
    const addresses = await resolve(name, isIPv4(ip.replace(/^::ffff:/i, '')) ? 'A' : 'AAAA');
    if (addresses.includes(ip.replace(/^::ffff:/i, ''))) return null;
  } catch {
    // No address for the name: not confirmed.
  }
  return { name: 'PTR_MISMATCH', weight: 0.5, detail: name };
}

/** Loopback, RFC 1918, link-local and unique-local addresses. */
function isLocal(ip: string): boolean {
  const v4 = ip.replace(/^::ffff:/i, '');
  if (isIPv4(v4)) return /^(?:127\.|10\.|192\.168\.|169\.254\.|172\.(?:1[6-9]|2\d|3[01])\.)/.test(v4);
  return ip === '::1' || /^f[cd]/i.test(ip) || /^fe80:/i.test(ip);
}

function heloSignals(ctx: SpamContext, hostname: string): SpamSignal[] {
  const helo = ctx.helo?.toLowerCase().replace(/^\[|\]$/g, '');
  if (!helo || !ctx.ip || isLocal(ctx.ip)) return [];
  if (helo === hostname.toLowerCase()) return [{ name: 'HELO_FORGED', weight: 2 }];
  if (isIPv4(helo) || isIPv6(helo.replace(/^ipv6:/, ''))) return [{ name: 'HELO_IP', weight: 0.5 }];
  if (!helo.includes('.') || helo === 'localhost' || helo.endsWith('.localdomain')) return [{ name: 'HELO_NOT_FQDN', weight: 1 }];
  return [];
}

/** A listing is any A record in 127.0.0.0/8 (RFC 5782 2.3); other answers are a list's error codes. */
async function listed(resolve: DnsResolve, name: string): Promise<boolean> {
  try {
    const answers = await resolve(name, 'A');
    return answers.some((a) => typeof a === 'string' && a.startsWith('127.') && a !== '127.255.255.254' && a !== '127.255.255.255');
  } catch {
    return false;
  }
}

/** The DNSBL query name of an address (RFC 5782 2.1, 2.4): reversed octets, or reversed nibbles for IPv6. */
export function reversedAddress(ip: string): string | null {
  const v4 = ip.replace(/^::ffff:/i, '');
  if (isIPv4(v4)) return v4.split('.').reverse().join('.');
  if (!isIPv6(ip)) return null;
  const [head = '', tail = ''] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const missing = 8 - groups(head).length - groups(tail).length;
  const full = [...groups(head), ...Array(ip.includes('::') ? missing : 0).fill('0'), ...groups(tail)];
  return full.map((g) => g.padStart(4, '0')).join('').split('').reverse().join('.');
}
