import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

/**
 * An RSA 2048 key pair as PEM (PKCS#8 private, SPKI public): what every mail client
 * accepts. Node's native generator, because forge's JavaScript one takes seconds on
 * a Raspberry Pi.
 */
export async function generateRsaKey(): Promise<{ privateKey: string; publicKey: string }> {
  return promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** A PKCS#10 request for `names` (the first is the subject's CN), signed with the key. */
export async function createCsr(names: string[], key: { privateKey: string; publicKey: string }): Promise<string> {
  const { default: forge } = await import('node-forge');
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(key.publicKey);
  csr.setSubject([{ name: 'commonName', value: names[0]! }]);
  csr.setAttributes([{ name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) }] }]);
  csr.sign(forge.pki.privateKeyFromPem(key.privateKey), forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}
