import { createHash, X509Certificate } from 'node:crypto';

/** A certificate's SubjectPublicKeyInfo, DER: what TLSA selector 1 (SPKI) matches (RFC 6698 section 2.1.2). */
export const publicKeyInfo = (cert: X509Certificate): Buffer => cert.publicKey.export({ type: 'spki', format: 'der' });

/**
 * The DANE-EE record of a certificate's key, "3 1 1 <SHA-256 of its SPKI>" (RFC 7671
 * section 5.1, the kind RFC 7672 section 3.1.1 recommends): it names the key, so it
 * stays right across renewals that keep the key.
 */
export function daneEeRecord(certPem: string): string {
  return `3 1 1 ${createHash('sha256').update(publicKeyInfo(new X509Certificate(certPem))).digest('hex')}`;
}
