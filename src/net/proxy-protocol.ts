import { isIP } from 'node:net';

/**
 * The PROXY protocol header a load balancer such as HAProxy sends before the client's first
 * byte (haproxy.org proxy-protocol.txt): version 2, binary, and version 1, one text line.
 * Pure: it looks at the bytes read so far and says whether more are needed.
 */

/** The client as the proxy saw it. */
export interface ProxiedClient {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export type ProxyHeader =
  | { status: 'incomplete' }
  | { status: 'invalid'; reason: string }
  /** `client` is null for a LOCAL (health check) or UNKNOWN/UNSPEC header: the connection's own address stands. */
  | { status: 'complete'; length: number; client: ProxiedClient | null };

/** Section 2.2: the twelve bytes every v2 header starts with. */
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;
/**
 * Our cap on a v2 header, TLVs included. The format allows 16 + 65535 bytes; HAProxy's
 * addresses with its usual TLVs (ALPN, authority, unique id, SSL details) fit in far less,
 * and a peer may not make us buffer 64 KB per connection before it says anything.
 */
export const MAX_V2_HEADER = 4096;
/** Section 2.1: the longest v1 line, CRLF included. */
const MAX_V1_HEADER = 107;
const V1_PREFIX = Buffer.from('PROXY ');

const invalid = (reason: string): ProxyHeader => ({ status: 'invalid', reason });

/** Reads the header at the start of `data`, which holds every byte received so far. */
export function parseProxyHeader(data: Buffer): ProxyHeader {
  if (startsLike(data, V2_SIGNATURE)) return data.length < V2_SIGNATURE.length ? { status: 'incomplete' } : parseV2(data);
  if (startsLike(data, V1_PREFIX)) return parseV1(data);
  return invalid('not a PROXY protocol header');
}

/** Whether `data` and `prefix` agree on their common length (a short `data` may still become it). */
function startsLike(data: Buffer, prefix: Buffer): boolean {
  const n = Math.min(data.length, prefix.length);
  return data.subarray(0, n).equals(prefix.subarray(0, n));
}

function parseV2(data: Buffer): ProxyHeader {
  if (data.length < V2_FIXED) return { status: 'incomplete' };
  const version = data[12]! >> 4;
  const command = data[12]! & 0x0f;
  if (version !== 2) return invalid(`version ${version}`);
  if (command > 1) return invalid(`command ${command}`);
  const length = V2_FIXED + data.readUInt16BE(14);
  if (length > MAX_V2_HEADER) return invalid(`header of ${length} bytes`);
  if (data.length < length) return { status: 'incomplete' };
  const family = data[13]! >> 4;
  const transport = data[13]! & 0x0f;
  const body = data.subarray(V2_FIXED, length);
  // Section 2.2: LOCAL is the proxy's own connection (a health check); its address block is ignored.
  if (command === 0) return { status: 'complete', length, client: null };
  // UNSPEC: the proxy does not know the client, and the connection's own address stands.
  if (family === 0) return { status: 'complete', length, client: null };
  if (family !== 1 && family !== 2) return invalid(`address family ${family}`);
  if (transport !== 1) return invalid(`transport ${transport}, not a stream`);
  const width = family === 1 ? 4 : 16;
  const addresses = 2 * width + 4;
  if (body.length < addresses) return invalid('address block too short');
  const tlvError = checkTlvs(body.subarray(addresses));
  if (tlvError) return invalid(tlvError);
  const source = body.subarray(0, width);
  return {
    status: 'complete',
    length,
    client: {
      address: family === 1 ? [...source].join('.') : formatIpv6(source),
      port: body.readUInt16BE(2 * width),
      family: family === 1 ? 'IPv4' : 'IPv6',
    },
  };
}

/** Section 2.2.7: TLVs are skipped, but each must lie inside the header; one that runs past its end is a broken or hostile peer. */
function checkTlvs(tlvs: Buffer): string | null {
  let at = 0;
  while (at < tlvs.length) {
    if (tlvs.length - at < 3) return 'truncated TLV';
    const end = at + 3 + tlvs.readUInt16BE(at + 1);
    if (end > tlvs.length) return `TLV 0x${tlvs[at]!.toString(16)} runs past the header`;
    at = end;
  }
  return null;
}

/**
 * RFC 5952 text of 16 address bytes: lower case, no leading zeros, the longest run of two
 * or more zero groups as "::", and an IPv4-mapped address as ::ffff:a.b.c.d (section 5), the
 * form Node gives a dual-stack socket's IPv4 peer: the client's limits then count its IPv4
 * address, not the /64 every IPv4 client would share.
 */
function formatIpv6(bytes: Buffer): string {
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes.readUInt16BE(10) === 0xffff) return `::ffff:${[...bytes.subarray(12)].join('.')}`;
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(2 * i));
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { at: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best.at < 0) return text.join(':');
  return `${text.slice(0, best.at).join(':')}::${text.slice(best.at + best.length).join(':')}`;
}

const PORT = /^(0|[1-9][0-9]{0,4})$/;

function parseV1(data: Buffer): ProxyHeader {
  const end = data.subarray(0, MAX_V1_HEADER).indexOf('\r\n');
  if (end < 0) return data.length >= MAX_V1_HEADER ? invalid('v1 line too long') : { status: 'incomplete' };
  const length = end + 2;
  const fields = data.toString('latin1', 0, end).split(' ');
  // Section 2.1: UNKNOWN may be followed by anything, which is ignored.
  if (fields[1] === 'UNKNOWN') return { status: 'complete', length, client: null };
  if (fields.length !== 6) return invalid('v1 line malformed');
  const [, protocol, source, , sourcePort, destinationPort] = fields as [string, string, string, string, string, string];
  const family = protocol === 'TCP4' ? 4 : protocol === 'TCP6' ? 6 : 0;
  if (!family) return invalid('v1 protocol unknown');
  if (isIP(source) !== family || isIP(fields[3]!) !== family) return invalid('v1 address malformed');
  for (const port of [sourcePort, destinationPort]) {
    if (!PORT.test(port) || Number(port) > 65535) return invalid('v1 port malformed');
  }
  return { status: 'complete', length, client: { address: source, port: Number(sourcePort), family: family === 4 ? 'IPv4' : 'IPv6' } };
}
