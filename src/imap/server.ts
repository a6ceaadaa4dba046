import type { ScramStore } from '../auth/sasl-context.ts';
import type { AuthThrottle } from '../auth/throttle.ts';
import type { VerifiedLogins } from '../auth/verified-logins.ts';
import type { Listener } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { ConnectionLimit } from '../net/connection-limit.ts';
import { startListenerPair, type ListenerPair } from '../net/listeners.ts';
import { isLoopback } from '../net/loopback.ts';
import type { LoginStore } from '../auth/login.ts';
import type { FullTextIndex, MailStore } from '../store/types.ts';
import type { TlsProvider } from '../tls/context.ts';
import { Connection } from './connection.ts';
import { LITERAL_MINUS_MAX, type ReaderLimits } from './reader.ts';
import { ImapSession, type ImapDeps } from './session.ts';

/** RFC 3501 5.4: the autologout timer is at least 30 minutes. */
export const AUTOLOGOUT_MS = 30 * 60 * 1000;
/**
 * Before login a command is small (design rule 8), as in Dovecot's login process:
 * LOGIN and AUTHENTICATE need a few hundred octets, so nobody can make the server
 * hold a large literal without a password.
 */
export const LOGIN_LINE_MAX = 8 * 1024;
export const LOGIN_LITERAL_MAX = 8 * 1024;

export interface ImapOptions {
  store: LoginStore & MailStore & FullTextIndex & ScramStore;
  log: Logger;
  tls: TlsProvider;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  connections: ConnectionLimit;
  /** `imap` speaks plaintext with STARTTLS, `imaps` TLS from the first byte; each only when given. */
  listeners: { imap?: Listener; imaps?: Listener };
  plaintextOnLoopback: boolean;
  limits: { lineLength: number; messageSize: number; connectionsPerAccount: number; loginTimeoutSeconds: number; searchCost: number; progressMs: number; messageLimit: number; maxKeywords?: number };
  /** `imap.literal = "minus"`: LITERAL- instead of LITERAL+. */
  literalMinus?: boolean;
  autologoutMs?: number;
  /** Learn spam and ham from COPY, MOVE and STORE (`spam.enabled`). */
  learnSpam?: boolean;
}

export type ImapService = ListenerPair<'imap' | 'imaps'>;

/** Starts the IMAP listeners (RFC 3501, 8314 for port 993). */
export async function startImap(opts: ImapOptions): Promise<ImapService> {
  const deps: ImapDeps = {
    store: opts.store,
    throttle: opts.throttle,
    verified: opts.verified,
    tls: opts.tls,
    plaintextOnLoopback: opts.plaintextOnLoopback,
    maxMessageSize: opts.limits.messageSize,
    literalMinus: opts.literalMinus,
    accountSessions: new ConnectionLimit(opts.limits.connectionsPerAccount),
    readerLimits: readerLimits(opts),
    loginTimeoutMs: opts.limits.loginTimeoutSeconds * 1000,
    searchCost: opts.limits.searchCost,
    progressMs: opts.limits.progressMs,
    messageLimit: opts.limits.messageLimit,
    maxKeywords: opts.limits.maxKeywords,
    learnSpam: opts.learnSpam ?? false,
  };
  return startListenerPair({
    log: opts.log.child({ proto: 'imap' }),
    tls: opts.tls,
    connections: opts.connections,
    plain: opts.listeners.imap && { name: 'imap', listener: opts.listeners.imap },
    implicitTls: opts.listeners.imaps && { name: 'imaps', listener: opts.listeners.imaps },
    tooManyReply: '* BYE [UNAVAILABLE] Too many connections from your address\r\n',
    busyReply: '* BYE [UNAVAILABLE] Too many connections, try again later\r\n',
    open(socket, secure, sessionLog) {
      const ip = socket.remoteAddress ?? 'unknown';
      let session: ImapSession | null = null;
      const connection = new Connection(socket, {
        limits: deps.readerLimits.login,
        idleMs: opts.autologoutMs ?? AUTOLOGOUT_MS,
        onIdle: () => session?.timeout(),
      });
      session = new ImapSession(deps, connection, sessionLog, { ip, loopback: isLoopback(ip), secure, starttls: !secure });
      return { session, destroy: () => connection.destroy() };
    },
  });
}

function readerLimits(opts: ImapOptions): { login: ReaderLimits; session: ReaderLimits } {
  const { lineLength, messageSize } = opts.limits;
  const maxNonSyncLiteral = opts.literalMinus ? LITERAL_MINUS_MAX : undefined;
  return {
    login: { maxLine: Math.min(lineLength, LOGIN_LINE_MAX), maxLiteral: Math.min(messageSize, LOGIN_LITERAL_MAX), maxNonSyncLiteral },
    session: { maxLine: lineLength, maxLiteral: messageSize, maxNonSyncLiteral },
  };
}
