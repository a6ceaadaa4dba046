import { generateRsaKey } from '../../src/tls/keys.ts';
import { signCertificate } from '../../src/tls/self-signed.ts';

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

const DAY = 86400_000;
const NAME = 'Mailfold Test CA';

/** A certificate authority of the test's own, and server certificates it issues for host names. */
export class TestCa {
  readonly certPem: string;
  readonly #keyPem: string;

  private constructor(keyPem: string, certPem: string) {
    this.#keyPem = keyPem;
    this.certPem = certPem;
  }

  static async create(): Promise<TestCa> {
    const key = await generateRsaKey();
    const certPem = await signCertificate({
      subject: NAME,
      issuer: NAME,
      publicKey: key.publicKey,
      signingKey: key.privateKey,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      ],
    });
    return new TestCa(key.privateKey, certPem);
  }

  /** A server certificate valid for these DNS names (the first is also its CN). */
  async issue(names: string[]): Promise<KeyAndCert> {
    const key = await generateRsaKey();
    const certPem = await signCertificate({
      subject: names[0]!,
      issuer: NAME,
      publicKey: key.publicKey,
      signingKey: this.#keyPem,
      notBefore: new Date(Date.now() - DAY),
      notAfter: new Date(Date.now() + 30 * DAY),
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames: names.map((value) => ({ type: 2, value })) },
      ],
    });
    return { keyPem: key.privateKey, certPem };
  }
}
