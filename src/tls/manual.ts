import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { StoredCertificate } from '../store/types.ts';

/**
 * A certificate and key given as PEM, checked before use: the certificate parses,
 * the key is its key, and it has not expired. Throws with one line saying what is wrong.
 */
export function checkPemPair(certPem: string, keyPem: string, now = new Date()): StoredCertificate {
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(certPem);
  } catch {
    throw new Error('the certificate is not a PEM X.509 certificate');
  }
  let key;
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new Error('the key is not a PEM private key (unencrypted)');
  }
  if (!x509.checkPrivateKey(key)) throw new Error('the key does not belong to the certificate');
  if (new Date(x509.validTo).getTime() <= now.getTime()) throw new Error(`the certificate expired on ${new Date(x509.validTo).toISOString()}`);
  return { certPem, keyPem, source: 'manual' };
}

/** The `tls.cert_file` and `tls.key_file` pair, read and checked. */
export async function readPemFiles(certFile: string, keyFile: string): Promise<StoredCertificate> {
  const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  try {
    return checkPemPair(certPem, keyPem);
  } catch (err) {
    throw new Error(`${certFile}, ${keyFile}: ${(err as Error).message}`);
  }
}
