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
import { LineChannel } from './channel.ts';
import { MaildropLocks } from './maildrop.ts';
import { Pop3Session, type Pop3Deps } from './session.ts';

/** RFC 1939 section 3: an idle timer of at least 10 minutes. */
export const IDLE_MS = 10 * 60 * 1000;
/** Generous next to RFC 2449's 255 octets, for SASL responses with long passwords. */
export const MAX_LINE = 8192;
/** How long shutdown waits for sessions to finish their command before cutting them. */
const SHUTDOWN_GRACE_MS = 5000;

export interface Pop3Options {
  store: MailStore;
  log: Logger;
  tls: TlsProvider;
  throttle: AuthThrottle;
  connections: ConnectionLimit;
  /** `pop3` speaks plaintext with STLS, `pop3s` TLS from the first byte; each only when given. */
  listeners: { pop3?: Listener; pop3s?: Listener };
  plaintextOnLoopback: boolean;
  idleMs?: number;
}

export interface Pop3Service {
  addresses: { pop3?: AddressInfo; pop3s?: AddressInfo };
  close(): Promise<void>;
}

/** Starts the POP3 listeners (RFC 1939, 2449, 2595, 5034). */
export async function startPop3(opts: Pop3Options): Promise<Pop3Service> {
  const deps: Pop3Deps = {
    store: opts.store,
    throttle: opts.throttle,
    locks: new MaildropLocks(),
    tls: opts.tls,
    plaintextOnLoopback: opts.plaintextOnLoopback,
  };
  const log = opts.log.child({ proto: 'pop3' });
  const sessions = new Map<Pop3Session, Promise<void>>();
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
    let session: Pop3Session | null = null;
    const channel = new LineChannel(socket, {
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
    sessionLog.info({ ip, port: socket.remotePort, tls: secure }, 'connect');
    const running = session.run().catch((err: unknown) => {
      sessionLog.error({ err }, 'session failed');
      channel.destroy();
    });
    sessions.set(session, running);
    void running.finally(() => sessions.delete(session));
  };

  const servers: Server[] = [];
  const addresses: Pop3Service['addresses'] = {};
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
    if (opts.listeners.pop3?.enabled) {
      const server = createServer((socket) => {
        if (admit(socket, '-ERR [SYS/TEMP] Too many connections from your address\r\n')) serve(socket, false);
      });
      addresses.pop3 = await listen(server, opts.listeners.pop3);
    }
    if (opts.listeners.pop3s?.enabled) {
      const server = createTlsServer(opts.tls.serverOptions(), (socket: TLSSocket) => serve(socket, true));
      // Counted before the handshake, so a flood of handshakes is limited too.
      server.on('connection', (socket: Socket) => admit(socket, null));
      server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
      addresses.pop3s = await listen(server, opts.listeners.pop3s);
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
