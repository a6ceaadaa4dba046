import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { AuthThrottle } from '../auth/throttle.ts';
import type { Listener } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import type { ConnectionLimit } from '../net/connection-limit.ts';
import { isLoopback } from '../net/loopback.ts';
import type { MailStore } from '../store/types.ts';
import type { TlsProvider } from '../tls/context.ts';
import { Connection } from './connection.ts';
import { ImapSession, type ImapDeps } from './session.ts';

/** RFC 3501 5.4: the autologout timer is at least 30 minutes. */
export const AUTOLOGOUT_MS = 30 * 60 * 1000;
/** How long shutdown waits for sessions to finish their command before cutting them. */
const SHUTDOWN_GRACE_MS = 5000;

export interface ImapOptions {
  store: MailStore;
  log: Logger;
  tls: TlsProvider;
  throttle: AuthThrottle;
  connections: ConnectionLimit;
  /** `imap` speaks plaintext with STARTTLS, `imaps` TLS from the first byte; each only when given. */
  listeners: { imap?: Listener; imaps?: Listener };
  plaintextOnLoopback: boolean;
  limits: { lineLength: number; messageSize: number };
  autologoutMs?: number;
}

export interface ImapService {
  addresses: { imap?: AddressInfo; imaps?: AddressInfo };
  close(): Promise<void>;
}

/** Starts the IMAP listeners (RFC 3501, 8314 for port 993). */
export async function startImap(opts: ImapOptions): Promise<ImapService> {
  const deps: ImapDeps = {
    store: opts.store,
    throttle: opts.throttle,
    tls: opts.tls,
    plaintextOnLoopback: opts.plaintextOnLoopback,
    maxMessageSize: opts.limits.messageSize,
  };
  const log = opts.log.child({ proto: 'imap' });
  const sessions = new Map<ImapSession, Promise<void>>();
  const sockets = new Set<Socket>();

  /** Counts the raw connection against its IP's limit; false when it was turned away. */
  const admit = (socket: Socket, refusal: string | null): boolean => {
    const ip = socket.remoteAddress ?? 'unknown';
    if (!opts.connections.acquire(ip)) {
      log.warn({ ip }, 'too many connections from one address');
      if (refusal === null) socket.destroy();
      else socket.end(refusal);
      return false;
    }
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      opts.connections.release(ip);
    });
    return true;
  };

  const serve = (socket: Socket, secure: boolean): void => {
    const ip = socket.remoteAddress ?? 'unknown';
    const sessionLog = log.child({ conn: randomBytes(4).toString('hex') });
    let session: ImapSession | null = null;
    const connection = new Connection(socket, {
      limits: { maxLine: opts.limits.lineLength, maxLiteral: opts.limits.messageSize },
      idleMs: opts.autologoutMs ?? AUTOLOGOUT_MS,
      onIdle: () => session?.timeout(),
    });
    session = new ImapSession(deps, connection, sessionLog, { ip, loopback: isLoopback(ip), secure, starttls: !secure });
    sessionLog.info({ ip, port: socket.remotePort, tls: secure }, 'connect');
    const running = session.run().catch((err: unknown) => {
      sessionLog.error({ err }, 'session failed');
      connection.destroy();
    });
    sessions.set(session, running);
    void running.finally(() => sessions.delete(session));
  };

  const servers: Server[] = [];
  const addresses: ImapService['addresses'] = {};
  const listen = async (server: Server, listener: Listener): Promise<AddressInfo> => {
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listener.port, listener.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return server.address() as AddressInfo;
  };

  try {
    if (opts.listeners.imap?.enabled) {
      const server = createServer((socket) => {
        if (admit(socket, '* BYE [UNAVAILABLE] Too many connections from your address\r\n')) serve(socket, false);
      });
      addresses.imap = await listen(server, opts.listeners.imap);
    }
    if (opts.listeners.imaps?.enabled) {
      const server = createTlsServer(opts.tls.serverOptions(), (socket: TLSSocket) => serve(socket, true));
      // Counted before the handshake, so a flood of handshakes is limited too.
      server.on('connection', (socket: Socket) => admit(socket, null));
      server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
      addresses.imaps = await listen(server, opts.listeners.imaps);
    }
  } catch (err) {
    for (const server of servers) server.close();
    throw err;
  }
  for (const [name, address] of Object.entries(addresses)) log.info({ listener: name, address: address.address, port: address.port }, 'listening');

  return {
    addresses,
    async close() {
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      for (const session of sessions.keys()) session.shutdown();
      const grace = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, SHUTDOWN_GRACE_MS);
      await Promise.all(sessions.values());
      // Connections still in their TLS handshake have no session to end politely.
      for (const socket of sockets) socket.destroy();
      await closed;
      clearTimeout(grace);
    },
  };
}
