import { BlockList, isIP } from 'node:net';

/** `address/prefix`, or a bare address standing for itself alone. */
export interface Network {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Reads "10.0.0.0/8", "2001:db8::/32" or "192.0.2.7"; null for anything else. */
export function parseNetwork(text: string): Network | null {
  const [address = '', prefixText, extra] = text.split('/');
  const version = isIP(address);
  if (!version || extra !== undefined) return null;
  const width = version === 4 ? 32 : 128;
  if (prefixText !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return null;
  const prefix = prefixText === undefined ? width : Number(prefixText);
  if (prefix > width) return null;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** A set of networks that answers whether an address lies in one of them. */
export class Networks {
  readonly #list = new BlockList();

  /** Every entry must have passed parseNetwork (the config checks it). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const network = parseNetwork(entry);
      if (!network) throw new Error(`not a network: ${entry}`);
      this.#list.addSubnet(network.address, network.prefix, network.family);
    }
  }

  /** An IPv4 peer of a dual-stack socket arrives as ::ffff:a.b.c.d and is matched as the IPv4 address it is. */
  has(address: string | undefined): boolean {
    if (!address) return false;
    const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
    if (isIP(v4) === 4) return this.#list.check(v4, 'ipv4');
    return isIP(address) === 6 && this.#list.check(address, 'ipv6');
  }
}
