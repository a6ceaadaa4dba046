import type { ScramStore } from '../../auth/sasl-context.ts';
import type { AuthThrottle } from '../../auth/throttle.ts';
import type { VerifiedLogins } from '../../auth/verified-logins.ts';
import type { Listener } from '../../config/index.ts';
import type { Logger } from '../../log/logger.ts';
import { Channel } from '../../net/channel.ts';
import type { ConnectionLimit } from '../../net/connection-limit.ts';
import { startListenerPair, type ListenerPair } from '../../net/listeners.ts';
import { isLoopback } from '../../net/loopback.ts';
import type { LoginStore } from '../../auth/login.ts';
import type { TlsProvider } from '../../tls/context.ts';
import type { ScriptService } from '../script-service.ts';
import { inputBytes, SieveReader, type SieveInput } from './reader.ts';
import { statusLine } from './response.ts';
import { ManageSieveSession, type ManageSieveDeps } from './session.ts';

/** An idle client is let go after this long; RFC 5804 sets no figure, this is POP3's (RFC 1939). */
export const IDLE_MS = 10 * 60 * 1000;
/**
 * Before login a command is small (design rule 8): AUTHENTICATE with SCRAM needs a few
 * hundred octets, so nobody can make the server hold a large literal without a password.
 */
export const LOGIN_LINE_MAX = 8 * 1024;
export const LOGIN_LITERAL_MAX = 8 * 1024;

export interface ManageSieveOptions {
  store: LoginStore & ScramStore;
  scripts: ScriptService;
  log: Logger;
  tls: TlsProvider;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  connections: ConnectionLimit;
  listener: Listener;
  plaintextOnLoopback: boolean;
  limits: { lineLength: number; maxScriptSize: number; loginTimeoutSeconds: number };
  idleMs?: number;
}

export type ManageSieveService = ListenerPair<'managesieve'>;

/** Starts the ManageSieve listener (RFC 5804): plaintext with STARTTLS, as the RFC has no implicit-TLS port. */
export async function startManageSieve(opts: ManageSieveOptions): Promise<ManageSieveService> {
  const { lineLength, maxScriptSize, loginTimeoutSeconds } = opts.limits;
  const deps: ManageSieveDeps = {
    store: opts.store,
    scripts: opts.scripts,
    throttle: opts.throttle,
    verified: opts.verified,
    tls: opts.tls,
    plaintextOnLoopback: opts.plaintextOnLoopback,
    loginTimeoutMs: loginTimeoutSeconds * 1000,
    readerLimits: {
      login: { maxLine: Math.min(lineLength, LOGIN_LINE_MAX), maxLiteral: LOGIN_LITERAL_MAX },
      session: { maxLine: lineLength, maxLiteral: maxScriptSize },
    },
  };
  return startListenerPair({
    log: opts.log.child({ proto: 'managesieve' }),
    tls: opts.tls,
    connections: opts.connections,
    plain: { name: 'managesieve', listener: opts.listener },
    tooManyReply: statusLine('BYE', 'Too many connections from your address', 'TRYLATER').toString(),
    busyReply: statusLine('BYE', 'Too many connections, try again later', 'TRYLATER').toString(),
    open(socket, secure, sessionLog) {
      const ip = socket.remoteAddress ?? 'unknown';
      let session: ManageSieveSession | null = null;
      const reader = new SieveReader(deps.readerLimits.login);
      const channel = new Channel<SieveInput>(socket, { framer: reader, bytes: inputBytes, idleMs: opts.idleMs ?? IDLE_MS, onIdle: () => session?.timeout() });
      session = new ManageSieveSession(deps, { channel, reader }, sessionLog, { ip, loopback: isLoopback(ip), secure, starttls: !secure });
      return { session, destroy: () => channel.destroy() };
    },
  });
}
