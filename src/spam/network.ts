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
      ...settings.dnsbl.map((zone) => listed(resolve, `${reversed}.${zone}`).then((hit) => (hit ? { name: 'DNSBL', weight: settings.dnsblWeight, detail: zone } : null))),
      ...settings.dnswl.map((zone) => listed(resolve, `${reversed}.${zone}`).then((hit) => (hit ? { name: 'DNSWL', weight: settings.dnswlWeight, detail: zone } : null))),
    ];
    for (const signal of await Promise.all(lookups)) if (signal) signals.push(signal);
  }
  return signals;
}

function heloSignals(ctx: SpamContext, hostname: string): SpamSignal[] {
  const helo = ctx.helo?.toLowerCase().replace(/^\[|\]$/g, '');
  if (!helo || !ctx.ip) return [];
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
