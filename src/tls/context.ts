import { createSecureContext, type SecureContext, type TlsOptions } from 'node:tls';
import type { StoredCertificate } from '../store/types.ts';

/**
 * The TLS settings every listener shares: TLS 1.2 or newer (design rule 5), and
 * the server's cipher order, which prefers forward secrecy and AEAD ciphers.
 */
export class TlsProvider {
  readonly #options: TlsOptions;
  readonly #context: SecureContext;

  constructor(certificate: StoredCertificate) {
    this.#options = { key: certificate.keyPem, cert: certificate.certPem, minVersion: 'TLSv1.2', honorCipherOrder: true };
    this.#context = createSecureContext(this.#options);
  }

  /** For `tls.createServer` (implicit TLS), which builds its context from these. */
  serverOptions(): TlsOptions {
    return { ...this.#options };
  }

  /** For `new TLSSocket` on an existing connection (STARTTLS, STLS): one context shared by all. */
  socketOptions(): TlsOptions {
    return { secureContext: this.#context };
  }
}
