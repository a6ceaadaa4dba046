import type { Server, Socket } from 'node:net';
import type { Logger } from '../log/logger.ts';
import { Networks } from './networks.ts';
import { parseProxyHeader, type ProxiedClient } from './proxy-protocol.ts';

/**
 * How long a trusted proxy has to send its header. HAProxy sends it with the connection,
 * before any byte of the client; waiting longer would only let a stuck peer hold a socket.
 */
const HEADER_TIMEOUT_MS = 5000;

/** A listener's PROXY protocol settings, as the config gives them. */
export interface ProxySettings {
  proxy_protocol?: boolean;
  proxy_from?: string[];
}

/**
 * Puts the PROXY protocol in front of `server`'s own handling of a connection, when the
 * listener sits behind a proxy: a peer outside `proxy_from` is cut at once; a trusted one
 * must send the header before anything else (before TLS, before a greeting), and the socket
 * then goes on to `server`'s 'connection' listeners with the client's address as its remote
 * address. Called once every listener is on, just before `server` listens.
 */
export function expectProxyHeader(server: Server, settings: ProxySettings, log: Logger, listener: string): void {
  if (!settings.proxy_protocol) return;
  const trusted = new Networks(settings.proxy_from ?? []);
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    if (!trusted.has(socket.remoteAddress)) {
      log.warn({ ip: socket.remoteAddress, listener }, 'connection refused: not from a trusted proxy');
      socket.destroy();
      return;
    }
    void readProxyHeader(socket).then((outcome) => {
      if (typeof outcome === 'string') {
        log.warn({ ip: socket.remoteAddress, listener, reason: outcome }, 'PROXY header refused');
        socket.destroy();
        return;
      }
      if (outcome) {
        // The proxy's own address is gone from the socket after this: said here, once.
        log.debug({ proxy: socket.remoteAddress, ip: outcome.address, listener }, 'PROXY header');
        actAs(socket, outcome);
      }
      for (const handle of handlers) handle.call(server, socket);
    });
  });
}

/**
 * Reads the header off `socket`: the client (null: keep the socket's own address), or why
 * the connection is refused. Bytes after the header are put back for the protocol, and the
 * socket is left as a fresh one is, neither flowing nor paused.
 */
function readProxyHeader(socket: Socket): Promise<ProxiedClient | null | string> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const done = (outcome: ProxiedClient | null | string) => {
      clearTimeout(timer);
      socket.off('readable', onReadable);
      socket.off('close', onClose);
      socket.off('error', onClose);
      // Taking the 'readable' listener off puts the stream back to neither flowing nor paused on
      // the next tick; the protocol takes the socket after that and starts reading as from new.
      process.nextTick(() => resolve(outcome));
    };
    const timer = setTimeout(() => done('no header in time'), HEADER_TIMEOUT_MS);
    const onClose = () => done('closed before the header');
    const onReadable = () => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) received = Buffer.concat([received, chunk]);
      const header = parseProxyHeader(received);
      if (header.status === 'incomplete') return;
      if (header.status === 'invalid') return done(header.reason);
      if (received.length > header.length) socket.unshift(received.subarray(header.length));
      done(header.client);
    };
    socket.on('readable', onReadable);
    socket.once('close', onClose);
    socket.once('error', onClose);
  });
}

/**
 * Makes the socket, and any TLS socket later wrapped around it, report the client as its
 * peer. Node asks the TCP handle for the peer (a TLS socket's handle asks its parent's), so
 * the answer is changed there, once, and every reader of remoteAddress (logs, the throttle,
 * connection limits, Received, SPF) sees the client without knowing a proxy was there.
 */
function actAs(socket: Socket, client: ProxiedClient): void {
  const handle = (socket as unknown as { _handle: { getpeername(out: Record<string, unknown>): number } })._handle;
  handle.getpeername = (out) => {
    out.address = client.address;
    out.port = client.port;
    out.family = client.family;
    return 0;
  };
  // Read once for the trust check above, and cached.
  delete (socket as unknown as { _peername?: unknown })._peername;
}
