import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Listener } from '../config/index.ts';
import { increment } from '../metrics/registry.ts';
import { listenerGate, type ConnectionLimit, type ConnectionRefusal } from '../net/connection-limit.ts';
import { expectProxyHeader } from '../net/proxy-front.ts';
import type { TlsProvider } from '../tls/context.ts';
import { alpnChallengeCallbacks } from '../tls/alpn-challenge.ts';
import { ACME_TLS_ALPN } from '../tls/challenges.ts';
import { route, type HttpContext } from './routes.ts';

/**
 * Not an ES import: Node's ES module facade of node:http reads every export, and one of
 * them loads its bundled fetch client (undici), 12 MB resident that serving HTTP never uses.
 */
const { createServer: createHttpServer } = process.getBuiltinModule('node:http');

export interface HttpOptions extends HttpContext {
  tls: TlsProvider;
  listeners: { http?: Listener; https?: Listener };
  /** HTTP's own count per client, so that idle web connections cannot take the mail protocols' share. */
  connections: ConnectionLimit;
}

export interface HttpService {
  addresses: { http?: AddressInfo; https?: AddressInfo };
  close(): Promise<void>;
}

/**
 * Slow or idle clients are cut rather than held: the whole request, its header, the wait for
 * the next request on a kept-alive connection. Node checks the first two every
 * `connectionsCheckingInterval`, so a header takes at most 10 + 2 s.
 */
const TIMEOUTS = { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, connectionsCheckingInterval: 2_000 };
/** A connection silent this long is destroyed, whatever state it is in. */
const IDLE_TIMEOUT_MS = 30_000;

/** On every answer: no browser may take an answer (which can echo the request) for another type. */
const NOSNIFF = { 'X-Content-Type-Options': 'nosniff' };

/** A complete plain-text answer written on the socket, for connections no request was parsed on. */
function rawReply(status: number, reason: string, text: string): string {
  const body = text + '\n';
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/** Node's own answers to a request it could not parse, with our headers (it sends none of them). */
const CLIENT_ERRORS: Record<string, string> = {
  HPE_HEADER_OVERFLOW: rawReply(431, 'Request Header Fields Too Large', 'the request header is too large'),
  ERR_HTTP_REQUEST_TIMEOUT: rawReply(408, 'Request Timeout', 'the request took too long'),
};
const BAD_REQUEST = rawReply(400, 'Bad Request', 'malformed request');

const tooMany = (refusal: ConnectionRefusal) =>
  rawReply(503, 'Service Unavailable', refusal === 'listener' ? 'too many connections, try again later' : 'too many connections from your address');

function handler(ctx: HttpContext) {
  return (req: IncomingMessage, res: ServerResponse) => {
    route(ctx, req)
      .then((reply) => {
        // A body over the limit is not read to its end: the connection closes after the answer.
        if (reply.status === 413) {
          ctx.log.warn({ ip: req.socket.remoteAddress, reason: 'body-too-large', url: req.url }, 'request refused');
          res.shouldKeepAlive = false;
        }
        res.writeHead(reply.status, { 'Content-Type': reply.type, 'Cache-Control': 'no-store', ...NOSNIFF, ...reply.headers });
        if (reply.stream && req.method !== 'HEAD') reply.stream(res);
        else res.end(req.method === 'HEAD' ? undefined : reply.body);
      })
      .catch((err: unknown) => {
        ctx.log.warn({ err }, 'HTTP response failed');
        res.destroy();
      });
  };
}

/**
 * Ports 80 and 443: ACME HTTP-01 and TLS-ALPN-01 challenges, client autoconfiguration,
 * MTA-STS, health and metrics. The HTTPS listener serves the current certificate, and
 * to a validation handshake asking for acme-tls/1 the challenge certificate of that name,
 * which any node of the store may have published.
 */
export async function startHttp(opts: HttpOptions): Promise<HttpService> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  // The requests' context; it learns the HTTPS port once that listener is bound.
  const ctx: HttpContext = { ...opts };
  let unwatch = () => {};
  const service: HttpService = {
    addresses: {},
    async close() {
      unwatch();
      const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
  const track = (server: Server, listener: string, plaintext: boolean) => {
    // Node destroys a socket silent this long when no 'timeout' listener is set.
    server.timeout = IDLE_TIMEOUT_MS;
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (socket.writable && !socket.writableEnded) socket.end(CLIENT_ERRORS[err.code ?? ''] ?? BAD_REQUEST);
      else socket.destroy();
    });
    const admit = listenerGate(opts.connections, opts.log, listener, plaintext ? tooMany : null);
    server.on('connection', (socket: Socket) => {
      if (!admit(socket)) return;
      increment('mailfold_connections_total', { listener });
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    servers.push(server);
  };
  const listen = (server: Server, listener: Listener) =>
    new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', reject);
      server.listen(listener.port, listener.address, () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    });

  try {
    if (opts.listeners.http?.enabled) {
      const server = createHttpServer(TIMEOUTS, handler(ctx));
      track(server, 'http', true);
      expectProxyHeader(server, opts.listeners.http, opts.log, 'http');
      service.addresses.http = await listen(server, opts.listeners.http);
    }
    if (opts.listeners.https?.enabled) {
      const server = createHttpsServer(
        {
          ...TIMEOUTS,
          ...opts.tls.serverOptions(),
          ...alpnChallengeCallbacks(opts.challenges, 'http/1.1'),
        },
        handler(ctx),
      );
      // RFC 8737 section 3: a validation connection carries no application data.
      server.on('secureConnection', (socket: TLSSocket) => {
        if (socket.alpnProtocol === ACME_TLS_ALPN) {
          opts.log.info({ servername: (socket as TLSSocket & { servername?: string }).servername }, 'ACME TLS-ALPN-01 challenge answered');
          socket.end();
        }
      });
      server.on('tlsClientError', (err) => opts.log.debug({ err: err.message }, 'HTTPS handshake failed'));
      track(server, 'https', false);
      unwatch = opts.tls.watch(server);
      expectProxyHeader(server, opts.listeners.https, opts.log, 'https');
      service.addresses.https = await listen(server, opts.listeners.https);
      ctx.httpsPort = service.addresses.https.port;
    }
  } catch (err) {
    await service.close();
    throw err;
  }
  for (const [name, address] of Object.entries(service.addresses)) {
    opts.log.info({ listener: name, address: address.address, port: address.port }, 'listening');
  }
  return service;
}
