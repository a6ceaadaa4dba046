import { once } from 'node:events';
import { connect as netConnect, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ipv6Bytes } from './dns.ts';
import { HOSTNAME, RawClient } from './pop3.ts';

/** Section 2.2 of proxy-protocol.txt: the signature every v2 header starts with. */
export const V2_SIGNATURE = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** A v2 header as section 2.2 lays it out: signature, version/command, family/transport, length, then `body`. */
export function v2Header(command: number, familyTransport: number, body: Buffer, version = 2): Buffer {
  const fixed = Buffer.alloc(4);
  fixed[0] = (version << 4) | command;
  fixed[1] = familyTransport;
  fixed.writeUInt16BE(body.length, 2);
  return Buffer.concat([V2_SIGNATURE, fixed, body]);
}

/** The bytes of an IPv4 or IPv6 address in text form. */
const addressBytes = (address: string) => (isIP(address) === 4 ? Buffer.from(address.split('.').map(Number)) : ipv6Bytes(address));

/** What HAProxy's send-proxy-v2 sends for a TCP client at `address`:`port` (the destination is made up). */
export function proxyHeaderFor(address: string, port = 40000): Buffer {
  const v4 = isIP(address) === 4;
  const destination = v4 ? '192.0.2.1' : '2001:db8::1';
  const ports = Buffer.alloc(4);
  ports.writeUInt16BE(port, 0);
  ports.writeUInt16BE(25, 2);
  return v2Header(1, v4 ? 0x11 : 0x21, Buffer.concat([addressBytes(address), addressBytes(destination), ports]));
}

/**
 * A raw client that sends `header` first, as a proxy would, then speaks plaintext or TLS
 * on the same connection (the header comes before the TLS handshake).
 */
export async function connectThroughProxy(port: number, header: Buffer, opts: { tls?: boolean; ca?: string } = {}): Promise<RawClient> {
  const socket = netConnect({ port, host: '127.0.0.1' });
  await once(socket, 'connect');
  socket.write(header);
  if (!opts.tls) return new RawClient(socket);
  const secure = tlsConnect({ socket, servername: HOSTNAME, ca: opts.ca, rejectUnauthorized: opts.ca !== undefined });
  await once(secure, 'secureConnect');
  return new RawClient(secure);
}
