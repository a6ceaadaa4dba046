import type { ScramStore } from '../auth/sasl-context.ts';
import type { AuthThrottle } from '../auth/throttle.ts';
import type { VerifiedLogins } from '../auth/verified-logins.ts';
import type { Listener } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { ConnectionLimit } from '../net/connection-limit.ts';
import { startListenerPair, type ListenerPair } from '../net/listeners.ts';
import { isLoopback } from '../net/loopback.ts';
import type { LoginStore } from '../auth/login.ts';
import type { Coordination, MailStore } from '../store/types.ts';
import type { TlsProvider } from '../tls/context.ts';
import { lineChannel } from './channel.ts';
import { Pop3Session, type Pop3Deps } from './session.ts';

/** RFC 1939 section 3: an idle timer of at least 10 minutes. */
export const IDLE_MS = 10 * 60 * 1000;
/** Generous next to RFC 2449's 255 octets, for SASL responses with long passwords. */
export const MAX_LINE = 8192;

export interface Pop3Options {
  store: LoginStore & MailStore & ScramStore & Pick<Coordination, 'tryLease'>;
  log: Logger;
  tls: TlsProvider;
  throttle: AuthThrottle;
  verified: VerifiedLogins;
  connections: ConnectionLimit;
  /** `pop3` speaks plaintext with STLS, `pop3s` TLS from the first byte; each only when given. */
  listeners: { pop3?: Listener; pop3s?: Listener };
  plaintextOnLoopback: boolean;
  /** Time from connecting to a successful login (`limits.login_timeout`). */
  loginTimeoutSeconds: number;
  idleMs?: number;
}

export type Pop3Service = ListenerPair<'pop3' | 'pop3s'>;

/** Starts the POP3 listeners (RFC 1939, 2449, 2595, 5034). */
export async function startPop3(opts: Pop3Options): Promise<Pop3Service> {
  const deps: Pop3Deps = {
    store: opts.store,
    throttle: opts.throttle,
    verified: opts.verified,
    tls: opts.tls,
    plaintextOnLoopback: opts.plaintextOnLoopback,
    loginTimeoutMs: opts.loginTimeoutSeconds * 1000,
  };
  return startListenerPair({
    log: opts.log.child({ proto: 'pop3' }),
    tls: opts.tls,
    connections: opts.connections,
    plain: opts.listeners.pop3 && { name: 'pop3', listener: opts.listeners.pop3 },
    implicitTls: opts.listeners.pop3s && { name: 'pop3s', listener: opts.listeners.pop3s },
    tooManyReply: '-ERR [SYS/TEMP] Too many connections from your address\r\n',
    busyReply: '-ERR [SYS/TEMP] Too many connections, try again later\r\n',
    open(socket, secure, sessionLog) {
      const ip = socket.remoteAddress ?? 'unknown';
      let session: Pop3Session | null = null;
      const channel = lineChannel(socket, {
        maxLine: MAX_LINE,
        idleMs: opts.idleMs ?? IDLE_MS,
        onIdle: () => {
          sessionLog.info('idle timeout');
          if (session) session.ending = true;
          // A client that stopped reading would never take the goodbye: it is cut off instead.
          if (channel.socket.writableLength > 0) channel.destroy();
          else void channel.end('-ERR Disconnected for inactivity\r\n');
        },
      });
      session = new Pop3Session(deps, channel, sessionLog, { ip, loopback: isLoopback(ip), secure });
      return { session, destroy: () => channel.destroy() };
    },
  });
}
