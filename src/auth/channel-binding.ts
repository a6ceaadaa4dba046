import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import type { ChannelBindings } from './scram.ts';

/**
 * The channel-binding data of a connection for SCRAM-PLUS: `tls-exporter` (RFC 9266,
 * TLS 1.3 only, where it is unique to the connection) and `tls-server-end-point`
 * (RFC 5929: the hash of our certificate, SHA-256 where it was signed with MD5 or SHA-1).
 */
export function channelBindings(socket: Socket): ChannelBindings | null {
  if (!(socket instanceof TLSSocket)) return null;
  const bindings: ChannelBindings = {};
  if (socket.getProtocol() === 'TLSv1.3') bindings['tls-exporter'] = socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0));
  const cert = socket.getX509Certificate();
  const hash = cert ? endPointHash(cert.signatureAlgorithm ?? '') : null;
  if (cert && hash) bindings['tls-server-end-point'] = createHash(hash).update(cert.raw).digest();
  return bindings;
}

/** RFC 5929 §4.1: the certificate's own signature hash, SHA-256 instead of MD5 or SHA-1; none for EdDSA. */
function endPointHash(algorithm: string): string | null {
  if (/ed25519|ed448/i.test(algorithm)) return null;
  const bits = /sha-?(384|512)/i.exec(algorithm)?.[1];
  return bits ? `sha${bits}` : 'sha256';
}
