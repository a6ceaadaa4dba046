import type { DnsResolve } from '../../net/dns.ts';

/** What a lookup found: records, none (the name or the type does not exist), or a failure to ask. */
export type Lookup<T> = { records: T[] } | { error: string };

/** The answers that say "nothing published" rather than "could not ask". */
const NONE = new Set(['ENOTFOUND', 'ENODATA']);

/** A lookup that turns "no such name" and "no such record" into an empty answer, and other failures into a reason. */
export async function lookup<T>(resolve: DnsResolve, name: string, type: string): Promise<Lookup<T>> {
  try {
    return { records: (await resolve(name.replace(/\.$/, ''), type)) as T[] };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return NONE.has(code) ? { records: [] } : { error: `${type} lookup of ${name} failed: ${code || (err as Error).message}` };
  }
}

/** The reverse-DNS name of an address (RFC 1035 section 3.5, RFC 3596 section 2.5). */
export function reverseName(address: string): string {
  if (address.includes(':')) {
    const [head = '', tail] = address.split('::');
    const words = (part: string) => (part ? part.split(':') : []);
    const left = words(head);
    const right = tail === undefined ? [] : words(tail);
    const all = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
    const nibbles = all.map((w) => w.padStart(4, '0')).join('').split('');
    return `${nibbles.reverse().join('.')}.ip6.arpa.`;
  }
  return `${address.split('.').reverse().join('.')}.in-addr.arpa.`;
}
