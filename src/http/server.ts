import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Listener } from '../config/index.ts';
import { increment } from '../metrics/registry.ts';
import type { TlsProvider } from '../tls/context.ts';
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
}

export interface HttpService {
  addresses: { http?: AddressInfo; https?: AddressInfo };
  close(): Promise<void>;
}

/** Slow or idle clients are cut rather than held. */
const REQUEST_TIMEOUT_MS = 30_000;

function handler(ctx: HttpContext) {
  return (req: IncomingMessage, res: ServerResponse) => {
    route(ctx, req)
      .then((reply) => {
        // A body over the limit is not read to its end: the connection closes after the answer.
        if (reply.status === 413) {
          ctx.log.warn({ ip: req.socket.remoteAddress, reason: 'body-too-large', url: req.url }, 'request refused');
          res.shouldKeepAlive = false;
        }
        res.writeHead(reply.status, { 'Content-Type': reply.type, 'Cache-Control': 'no-store', ...reply.headers });
        res.end(req.method === 'HEAD' ? undefined : reply.body);
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
 * to a validation handshake asking for acme-tls/1 the challenge certificate of that name.
 */
export async function startHttp(opts: HttpOptions): Promise<HttpService> {
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
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
  const track = (server: Server, listener: string) => {
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    server.headersTimeout = REQUEST_TIMEOUT_MS;
    server.on('connection', (socket: Socket) => {
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
      const server = createHttpServer(handler(opts));
      track(server, 'http');
      service.addresses.http = await listen(server, opts.listeners.http);
    }
    if (opts.listeners.https?.enabled) {
      const server = createHttpsServer(
        {
          ...opts.tls.serverOptions(),
          SNICallback: (name, done) => done(null, opts.challenges.alpn(name)),
          ALPNCallback: ({ servername, protocols }) => {
            if (protocols.includes(ACME_TLS_ALPN) && opts.challenges.alpn(servername)) return ACME_TLS_ALPN;
            return protocols.includes('http/1.1') ? 'http/1.1' : undefined;
          },
        },
        handler(opts),
      );
      // RFC 8737 section 3: a validation connection carries no application data.
      server.on('secureConnection', (socket: TLSSocket) => {
        if (socket.alpnProtocol === ACME_TLS_ALPN) {
          opts.log.info({ servername: (socket as TLSSocket & { servername?: string }).servername }, 'ACME TLS-ALPN-01 challenge answered');
          socket.end();
        }
      });
      server.on('tlsClientError', (err) => opts.log.debug({ err: err.message }, 'HTTPS handshake failed'));
      track(server, 'https');
      unwatch = opts.tls.watch(server);
      service.addresses.https = await listen(server, opts.listeners.https);
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
