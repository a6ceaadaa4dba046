import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { StoredCertificate } from '../store/types.ts';
import { generateRsaKey } from './keys.ts';

/** Apple's limit for TLS server certificates, counted from notBefore; other clients accept it too. */
export const SELF_SIGNED_DAYS = 825;
const DAY = 24 * 60 * 60 * 1000;

/** A self-signed certificate for `hostname`, to serve TLS from the first start until ACME issues a real one. */
export async function createSelfSigned(hostname: string, now = new Date()): Promise<StoredCertificate> {
  const { privateKey, publicKey } = await generateRsaKey();
  const altName = isIP(hostname) ? { type: 7, ip: hostname } : { type: 2, value: hostname };
  const certPem = await signCertificate({
    subject: hostname,
    issuer: hostname,
    publicKey,
    signingKey: privateKey,
    // Back-dated a day so that a client whose clock runs slow still accepts it; the day counts in the limit.
    notBefore: new Date(now.getTime() - DAY),
    notAfter: new Date(now.getTime() - DAY + SELF_SIGNED_DAYS * DAY),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [altName] },
    ],
  });
  return { keyPem: privateKey, certPem, source: 'self-signed' };
}

export interface CertificateRequest {
  /** The subject's and the issuer's common names. */
  subject: string;
  issuer: string;
  /** PEM: the certified key, and the issuer's private key that signs. */
  publicKey: string;
  signingKey: string;
  notBefore: Date;
  notAfter: Date;
  /** forge's extension objects. */
  extensions: object[];
}

/** A certificate signed with SHA-256, as PEM; forge builds and signs it, which Node cannot do. */
export async function signCertificate(req: CertificateRequest): Promise<string> {
  // Loaded only when a certificate is made: node-forge is about 11 MB of RSS, and most starts make none.
  const { default: forge } = await import('node-forge');
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(req.publicKey);
  // A positive 128-bit serial: the top bit cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = req.notBefore;
  cert.validity.notAfter = req.notAfter;
  cert.setSubject([{ name: 'commonName', value: req.subject }]);
  cert.setIssuer([{ name: 'commonName', value: req.issuer }]);
  cert.setExtensions(req.extensions);
  cert.sign(forge.pki.privateKeyFromPem(req.signingKey), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}
