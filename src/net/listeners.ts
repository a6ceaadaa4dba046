import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Listener } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';
import { increment } from '../metrics/registry.ts';
import type { TlsProvider } from '../tls/context.ts';
import { expectProxyHeader } from './proxy-front.ts';
import { listenerGate, type ConnectionLimit, type ConnectionRefusal } from './connection-limit.ts';

/** How long shutdown waits for sessions to finish their command before cutting them. */
const SHUTDOWN_GRACE_MS = 5000;

/** A protocol session as the listeners see it: it runs until the client leaves, and ends politely when asked. */
export interface ListenerSession {
  run(): Promise<void>;
  shutdown(): void;
}

export interface ListenerPairOptions<Name extends string> {
  log: Logger;
  tls: TlsProvider;
  connections: ConnectionLimit;
  /** Plaintext from the first byte, with STARTTLS/STLS inside the protocol. */
  plain?: { name: Name; listener: Listener };
  /** TLS from the first byte (RFC 8314). */
  implicitTls?: { name: Name; listener: Listener };
  /** What the plaintext port answers to a connection over the per-IP limit. */
  tooManyReply: string;
  /** What it answers when the listener has `connections.perListener` open already. */
  busyReply: string;
  /** Builds the protocol session for an accepted connection; `destroy` cuts it when `run` fails. */
  open(socket: Socket, secure: boolean, log: Logger): { session: ListenerSession; destroy(): void };
}

export interface ListenerPair<Name extends string> {
  addresses: Partial<Record<Name, AddressInfo>>;
  close(): Promise<void>;
}

/**
 * The plaintext and implicit-TLS listeners of one protocol: admission per listener and per client,
 * a connection id per session, and a shutdown that lets every session say goodbye.
 */
export async function startListenerPair<Name extends string>(opts: ListenerPairOptions<Name>): Promise<ListenerPair<Name>> {
  const { log } = opts;
  const sessions = new Map<ListenerSession, Promise<void>>();
  const sockets = new Set<Socket>();

  /** Admission on one listener; the implicit-TLS one can only cut a refused connection. */
  const gate = (listener: Name, plaintext: boolean) => {
    const reply = (refusal: ConnectionRefusal) => (refusal === 'listener' ? opts.busyReply : opts.tooManyReply);
    const admit = listenerGate(opts.connections, log, listener, plaintext ? reply : null);
    return (socket: Socket): boolean => {
      if (!admit(socket)) return false;
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      return true;
    };
  };

  const serve = (socket: Socket, secure: boolean, listener: Name): void => {
    increment('mailfold_connections_total', { listener });
    // The address on every line of the session, so that a refused login can be acted on from its line alone.
    const sessionLog = log.child({ conn: randomBytes(4).toString('hex'), ip: socket.remoteAddress });
    const { session, destroy } = opts.open(socket, secure, sessionLog);
    sessionLog.info({ port: socket.remotePort, tls: secure }, 'connect');
    const running = session.run().catch((err: unknown) => {
      sessionLog.error({ err }, 'session failed');
      destroy();
    });
    sessions.set(session, running);
    void running.finally(() => sessions.delete(session));
  };

  const servers: Server[] = [];
  const unwatch: (() => void)[] = [];
  const addresses: Partial<Record<Name, AddressInfo>> = {};
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
    const { plain, implicitTls } = opts;
    if (plain?.listener.enabled) {
      // Without TCP_NODELAY a reply written in pieces (a RETR: status, body, dot) waits
      // for the client's delayed ACK, about 40 ms per command.
      const admit = gate(plain.name, true);
      const server = createServer({ noDelay: true }, (socket) => {
        if (admit(socket)) serve(socket, false, plain.name);
      });
      expectProxyHeader(server, plain.listener, log, plain.name);
      addresses[plain.name] = await listen(server, plain.listener);
    }
    if (implicitTls?.listener.enabled) {
      const server = createTlsServer({ ...opts.tls.serverOptions(), noDelay: true }, (socket: TLSSocket) => serve(socket, true, implicitTls.name));
      unwatch.push(opts.tls.watch(server));
      // Counted before the handshake, so a flood of handshakes is limited too.
      server.on('connection', gate(implicitTls.name, false));
      server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
      expectProxyHeader(server, implicitTls.listener, log, implicitTls.name);
      addresses[implicitTls.name] = await listen(server, implicitTls.listener);
    }
  } catch (err) {
    for (const server of servers) server.close();
    for (const stop of unwatch) stop();
    throw err;
  }
  for (const [name, address] of Object.entries(addresses) as [string, AddressInfo][]) {
    log.info({ listener: name, address: address.address, port: address.port }, 'listening');
  }

  return {
    addresses,
    async close() {
      for (const stop of unwatch) stop();
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
