import { X509Certificate } from 'node:crypto';
import type { Logger } from '../log/logger.ts';
import type { StoredCertificate, Vault } from '../store/types.ts';
import { createSelfSigned } from './self-signed.ts';

/**
 * A self-signed certificate this close to its end is replaced at start. One from
 * ACME or an import is kept to its last day: it is trusted, and ACME renews it.
 */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;

function usable(stored: StoredCertificate, hostname: string, now: Date): boolean {
  try {
    const x509 = new X509Certificate(stored.certPem);
    const matches = x509.checkHost(hostname) !== undefined || x509.checkIP(hostname) !== undefined;
    const margin = (stored.source ?? 'self-signed') === 'self-signed' ? RENEW_BEFORE_MS : 0;
    return matches && new Date(x509.validTo).getTime() - now.getTime() > margin;
  } catch {
    return false;
  }
}

/**
 * The certificate for `hostname` from the store, made (self-signed) and kept
 * there on the first start, or when the host name changed or it is about to expire.
 */
export async function ensureCertificate(store: Vault, hostname: string, log: Logger, now = new Date()): Promise<StoredCertificate> {
  const stored = await store.getCertificate(hostname);
  if (stored && usable(stored, hostname, now)) return stored;
  const created = await createSelfSigned(hostname, now);
  await store.putCertificate(hostname, created);
  log.info({ hostname, renewed: stored !== null }, 'self-signed certificate created');
  return created;
}
