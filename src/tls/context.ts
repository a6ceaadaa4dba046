import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext, type SecureContextOptions, type Server, type TlsOptions } from 'node:tls';
import type { StoredCertificate } from '../store/types.ts';

/**
 * Forward-secret AEAD suites only, for TLS 1.2 (Mozilla's "intermediate" list
 * without the finite-field DHE suites); TLS 1.3 suites are all modern and stay at
 * OpenSSL's defaults.
 */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** TLS 1.2 or newer (design rule 5), modern suites, and the server's order of preference. */
export const TLS_POLICY = { minVersion: 'TLSv1.2', ciphers: TLS12_CIPHERS, honorCipherOrder: true } as const satisfies SecureContextOptions;

/**
 * The certificate every listener serves, replaceable while they run: implicit-TLS
 * servers are watched and get the new context for their next handshake; STARTTLS asks
 * for the current context at each upgrade. Connections already open keep theirs.
 */
export class TlsProvider {
  #certificate: StoredCertificate;
  #context: SecureContext;
  readonly #listeners = new Set<() => void>();

  constructor(certificate: StoredCertificate) {
    this.#certificate = certificate;
    this.#context = createSecureContext(this.#contextOptions());
  }

  get certificate(): StoredCertificate {
    return this.#certificate;
  }

  /** The served certificate parsed, for names and expiry. */
  x509(): X509Certificate {
    return new X509Certificate(this.#certificate.certPem);
  }

  /** Serves `certificate` from the next handshake on; throws (and keeps the old one) when key and certificate do not fit. */
  update(certificate: StoredCertificate): void {
    const previous = this.#certificate;
    this.#certificate = certificate;
    try {
      this.#context = createSecureContext(this.#contextOptions());
    } catch (err) {
      this.#certificate = previous;
      throw err;
    }
    for (const listener of this.#listeners) listener();
  }

  /** Calls `listener` after each update; returns the function that stops it. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Keeps a `tls.Server`'s default context current; returns the function that stops it. */
  watch(server: Server): () => void {
    return this.onChange(() => server.setSecureContext(this.#contextOptions()));
  }

  /** For `tls.createServer` (implicit TLS) and smtp-server, which build their context from these. */
  serverOptions(): TlsOptions {
    return this.#contextOptions();
  }

  /** For `new TLSSocket` on an existing connection (STARTTLS, STLS): the context current now. */
  socketOptions(): TlsOptions {
    return { secureContext: this.#context };
  }

  #contextOptions(): SecureContextOptions {
    return { key: this.#certificate.keyPem, cert: this.#certificate.certPem, ...TLS_POLICY };
  }
}
