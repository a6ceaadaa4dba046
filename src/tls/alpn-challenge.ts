import type { SecureContext, TLSSocket } from 'node:tls';
import { ACME_TLS_ALPN, type AcmeChallenges } from './challenges.ts';

type SniDone = (err: Error | null, context?: SecureContext) => void;

export interface AlpnChallengeCallbacks {
  SNICallback(this: TLSSocket, servername: string, done: SniDone): void;
  ALPNCallback(this: TLSSocket, offer: { servername: string; protocols: string[] }): string | undefined;
}

/**
 * The SNI and ALPN callbacks of a TLS server that answers TLS-ALPN-01 validations
 * (RFC 8737) with the challenge certificate of the name, whichever node's order it is,
 * and otherwise speaks `protocol`.
 *
 * OpenSSL asks for the protocol before the certificate in TLS 1.3 and after it in TLS
 * 1.2; the certificate callback may wait for the store, the protocol callback may not.
 * Node calls both as methods of the handshake's TLSSocket, which carries what the first
 * learnt to the second:
 * - TLS 1.3 (what CAs speak): a handshake offering acme-tls/1 (alone) gets it, and then the
 *   certificate its name has in the store (one read), or a refused handshake when there
 *   is none. A handshake not offering it never gets a challenge certificate.
 * - TLS 1.2, or no ALPN: the certificate is chosen first, without knowing the offer, so
 *   only from this node's own order (the store is not read for every handshake), and
 *   acme-tls/1 is chosen only along with a challenge certificate.
 */
export function alpnChallengeCallbacks(challenges: AcmeChallenges, protocol: string): AlpnChallengeCallbacks {
  /** TLS 1.3: whether the offer had acme-tls/1, known before the certificate is chosen. */
  const offered = new WeakMap<TLSSocket, boolean>();
  /** TLS 1.2: whether a challenge certificate was chosen, known before the protocol is. */
  const chosen = new WeakMap<TLSSocket, boolean>();
  const other = (protocols: string[]) => (protocols.includes(protocol) ? protocol : undefined);
  return {
    SNICallback(servername, done) {
      const validation = offered.get(this);
      if (validation === undefined) {
        const own = challenges.ownAlpn(servername);
        chosen.set(this, own !== undefined);
        return done(null, own);
      }
      if (!validation) return done(null, undefined);
      challenges.alpn(servername).then(
        (context) => (context ? done(null, context) : done(new Error(`no ACME validation of ${servername.slice(0, 253)} is under way`))),
        (err: Error) => done(err),
      );
    },
    ALPNCallback({ protocols }) {
      // RFC 8737 section 3: a validation offers acme-tls/1 alone; a client offering more is an ordinary one.
      const validation = protocols.length === 1 && protocols[0] === ACME_TLS_ALPN;
      const challenge = chosen.get(this);
      if (challenge !== undefined) return challenge && validation ? ACME_TLS_ALPN : other(protocols);
      offered.set(this, validation);
      return validation ? ACME_TLS_ALPN : other(protocols);
    },
  };
}
