import { createSecureContext, type SecureContext } from 'node:tls';
import type { Coordination } from '../store/types.ts';

/** RFC 8737: the ALPN protocol a TLS-ALPN-01 validation offers. */
export const ACME_TLS_ALPN = 'acme-tls/1';

export type ChallengeStore = Pick<Coordination, 'putAcmeChallenge' | 'getAcmeChallenge' | 'removeAcmeChallenge'>;

/**
 * How long a published answer lives unless withdrawn first: longer than an order waits for
 * its validations (acme-client polls about three minutes), short enough that the answers of
 * a node that died mid-order do not linger.
 */
const ANSWER_TTL_MS = 10 * 60_000;
/** A name a validation can be for (RFC 8737 section 3: a DNS name, sent as SNI); nothing else is looked up. */
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/;

const httpKey = (token: string) => `http-01:${token}`;
const alpnKey = (name: string) => `tls-alpn-01:${name}`;

/**
 * The answers to the ACME challenges of an order, published through the store so that
 * whichever node of it the CA reaches answers (docs/scale-out.md): HTTP-01 key
 * authorizations by token, served by the http module, and TLS-ALPN-01 certificates by
 * name, served by the HTTPS listener to a handshake that asks for acme-tls/1. Each
 * lookup of a token or name is one read of the store.
 */
export class AcmeChallenges {
  readonly #store: ChallengeStore;
  /** The TLS-ALPN-01 certificates of this node's own order, ready to serve. */
  readonly #own = new Map<string, { context: SecureContext; until: number }>();

  constructor(store: ChallengeStore) {
    this.#store = store;
  }

  async setHttp(token: string, keyAuthorization: string): Promise<void> {
    const now = Date.now();
    await this.#store.putAcmeChallenge(httpKey(token), keyAuthorization, now, now + ANSWER_TTL_MS);
  }

  async removeHttp(token: string): Promise<void> {
    await this.#store.removeAcmeChallenge(httpKey(token));
  }

  /** The key authorization of a token being validated, or null. */
  http(token: string): Promise<string | null> {
    return this.#store.getAcmeChallenge(httpKey(token), Date.now());
  }

  async setAlpn(name: string, keyPem: string, certPem: string): Promise<void> {
    const key = name.toLowerCase();
    const now = Date.now();
    const context = createSecureContext({ key: keyPem, cert: certPem });
    await this.#store.putAcmeChallenge(alpnKey(key), JSON.stringify({ keyPem, certPem }), now, now + ANSWER_TTL_MS);
    // This node answers without asking the store, whatever TLS version the CA speaks (see ownAlpn).
    this.#own.set(key, { context, until: now + ANSWER_TTL_MS });
  }

  async removeAlpn(name: string): Promise<void> {
    const key = name.toLowerCase();
    this.#own.delete(key);
    await this.#store.removeAcmeChallenge(alpnKey(key));
  }

  /** The challenge certificate of `name` if this node's own order published it: for a choice that cannot wait for the store. */
  ownAlpn(name: string): SecureContext | undefined {
    const entry = this.#own.get(name.toLowerCase());
    return entry && entry.until > Date.now() ? entry.context : undefined;
  }

  /** The challenge certificate of `name`, this node's or another's; undefined when no validation of it is under way. */
  async alpn(name: string): Promise<SecureContext | undefined> {
    const key = name.toLowerCase();
    const own = this.ownAlpn(key);
    if (own || !DNS_NAME.test(key)) return own;
    const value = await this.#store.getAcmeChallenge(alpnKey(key), Date.now());
    if (value === null) return undefined;
    const { keyPem, certPem } = JSON.parse(value) as { keyPem: string; certPem: string };
    return createSecureContext({ key: keyPem, cert: certPem });
  }
}
