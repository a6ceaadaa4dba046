import { generateKeyPair as generateKeyPairCb, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { DkimAlgorithm, DkimKey } from '../store/types.ts';

const generateKeyPair = promisify(generateKeyPairCb);

/** The selector prefix per algorithm: `mf-ed-20261123._domainkey.example.org`. */
const PREFIX: Record<DkimAlgorithm, string> = { ed25519: 'mf-ed', rsa: 'mf-rsa' };

/** RFC 8301: 1024 is the floor; 2048 still fits one UDP answer and every DNS provider's TXT editor. */
const RSA_BITS = 2048;

/** A selector suffix: the date of the day, or what the admin chose. */
export const defaultSuffix = (now: Date): string => now.toISOString().slice(0, 10).replace(/-/g, '');

export const selectorFor = (algorithm: DkimAlgorithm, suffix: string): string => `${PREFIX[algorithm]}-${suffix}`;

/** The `p=` value: RFC 8463 publishes the raw 32-byte Ed25519 key, RFC 6376 the RSA SubjectPublicKeyInfo. */
function publicKeyValue(algorithm: DkimAlgorithm, key: KeyObject): string {
  const spki = key.export({ type: 'spki', format: 'der' });
  return (algorithm === 'ed25519' ? spki.subarray(spki.length - 32) : spki).toString('base64');
}

async function generateOne(domain: string, algorithm: DkimAlgorithm, suffix: string, now: number): Promise<DkimKey> {
  const pair = algorithm === 'ed25519' ? await generateKeyPair('ed25519') : await generateKeyPair('rsa', { modulusLength: RSA_BITS });
  return {
    domain,
    selector: selectorFor(algorithm, suffix),
    algorithm,
    privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKeyValue(algorithm, pair.publicKey),
    createdAt: now,
  };
}

/** A new Ed25519 key and a new RSA key for a domain; both sign, as RFC 8463 suggests while verifiers catch up. */
export function generateDkimKeys(domain: string, suffix: string, now = Date.now()): Promise<DkimKey[]> {
  return Promise.all((['ed25519', 'rsa'] as const).map((algorithm) => generateOne(domain, algorithm, suffix, now)));
}

/** The keys that sign: the newest of each algorithm. */
export function signingKeys(keys: DkimKey[]): DkimKey[] {
  const newest = new Map<DkimAlgorithm, DkimKey>();
  for (const key of keys) {
    const current = newest.get(key.algorithm);
    if (!current || key.createdAt >= current.createdAt) newest.set(key.algorithm, key);
  }
  return [...newest.values()];
}

export interface DkimDnsRecord {
  selector: string;
  algorithm: DkimAlgorithm;
  /** Signs new mail (the newest of its algorithm); an older key stays published until removed. */
  active: boolean;
  name: string;
  type: 'TXT';
  value: string;
  /** The record as a zone-file line, its value cut into strings of at most 255 characters (RFC 1035 3.3.14). */
  zone: string;
}

/** The TXT record that publishes a key. */
export function dnsRecord(key: DkimKey, active: boolean): DkimDnsRecord {
  const name = `${key.selector}._domainkey.${key.domain}`;
  const value = `v=DKIM1; k=${key.algorithm}; p=${key.publicKey}`;
  const strings = value.match(/.{1,255}/g) ?? [];
  return { selector: key.selector, algorithm: key.algorithm, active, name, type: 'TXT', value, zone: `${name}. IN TXT ( ${strings.map((s) => `"${s}"`).join(' ')} )` };
}
