import { createSecureContext, type SecureContext } from 'node:tls';

/** RFC 8737: the ALPN protocol a TLS-ALPN-01 validation offers. */
export const ACME_TLS_ALPN = 'acme-tls/1';

/**
 * The ACME challenges being answered right now: HTTP-01 key authorizations by
 * token, served by the http module, and TLS-ALPN-01 certificates by name, served by
 * the HTTPS listener to a handshake that asks for acme-tls/1.
 */
export class AcmeChallenges {
  readonly #http = new Map<string, string>();
  readonly #alpn = new Map<string, SecureContext>();

  setHttp(token: string, keyAuthorization: string): void {
    this.#http.set(token, keyAuthorization);
  }

  removeHttp(token: string): void {
    this.#http.delete(token);
  }

  http(token: string): string | undefined {
    return this.#http.get(token);
  }

  setAlpn(name: string, keyPem: string, certPem: string): void {
    this.#alpn.set(name.toLowerCase(), createSecureContext({ key: keyPem, cert: certPem }));
  }

  removeAlpn(name: string): void {
    this.#alpn.delete(name.toLowerCase());
  }

  alpn(name: string): SecureContext | undefined {
    return this.#alpn.get(name.toLowerCase());
  }
}
