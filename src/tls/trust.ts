import { readFileSync } from 'node:fs';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

/**
 * Adds the CA certificates of a PEM file to those this process trusts by default.
 * Outbound TLS that verifies (MTA-STS policy fetches, MX hosts under MTA-STS, the
 * smarthost) uses the default set: mailauth's policy fetch takes no CA of its own,
 * so the process-wide set is the one place both see. Adding the same file twice
 * changes nothing.
 */
export function trustCaFile(file: string): void {
  const pem = readFileSync(file, 'utf8');
  const added = pem.match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g);
  if (!added) throw new Error(`${file}: no PEM certificate in it`);
  const current = getCACertificates('default');
  const normal = (c: string) => c.replace(/\s+/g, '');
  const known = new Set(current.map(normal));
  const fresh = added.filter((c) => !known.has(normal(c)));
  if (fresh.length > 0) setDefaultCACertificates([...current, ...fresh]);
}
