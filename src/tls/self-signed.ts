import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { StoredCertificate } from '../store/types.ts';
import { generateRsaKey } from './keys.ts';

/** Apple's limit for TLS server certificates; other clients accept it too. */
export const SELF_SIGNED_DAYS = 825;
const DAY = 24 * 60 * 60 * 1000;

/**
 * A self-signed certificate for `hostname`, to serve TLS from the first start
 * until ACME issues a real one. forge builds and signs the certificate, which Node cannot do.
 */
export async function createSelfSigned(hostname: string, now = new Date()): Promise<StoredCertificate> {
  const { privateKey, publicKey } = await generateRsaKey();
  // Loaded only when a certificate is made: node-forge is about 11 MB of RSS, and most starts make none.
  const { default: forge } = await import('node-forge');
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey);
  // A positive 128-bit serial: the top bit cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  // Back-dated a day so that a client whose clock runs slow still accepts it.
  cert.validity.notBefore = new Date(now.getTime() - DAY);
  cert.validity.notAfter = new Date(now.getTime() + SELF_SIGNED_DAYS * DAY);
  const subject = [{ name: 'commonName', value: hostname }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  const altName = isIP(hostname) ? { type: 7, ip: hostname } : { type: 2, value: hostname };
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [altName] },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(privateKey), forge.md.sha256.create());
  return { keyPem: privateKey, certPem: forge.pki.certificateToPem(cert), source: 'self-signed' };
}
