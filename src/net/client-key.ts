import { isIP } from 'node:net';

/**
 * What per-address limits count by: an IPv4 address itself, an IPv6 address by
 * its /64, since one host (one customer of a provider) is given a whole /64 and
 * could otherwise start afresh from each of its 2^64 addresses.
 */
export function clientKey(address: string): string {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4;
  if (isIP(address) !== 6) return address;
  // A trailing dotted quad (::ffff:0:1.2.3.4, 64:ff9b::1.2.3.4) is two groups.
  const plain = address.toLowerCase().split('%')[0]!.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a: string, b: string, c: string, d: string) =>
    `${((Number(a) << 8) | Number(b)).toString(16)}:${((Number(c) << 8) | Number(d)).toString(16)}`);
  const [head = '', tail] = plain.split('::') as [string, string | undefined];
  const front = head ? head.split(':') : [];
  const back = tail ? tail.split(':') : [];
  const groups = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
