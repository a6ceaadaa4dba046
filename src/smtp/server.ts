import { lstatSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Listener, Lmtp } from '../config/index.ts';
import { createListener, type Role, type SmtpDeps, type SmtpListener } from './listener.ts';
import { hangUp } from './hang-up.ts';
import { expectProxyHeader } from '../net/proxy-front.ts';
import { keepOwnEnhancedCodes } from './reply.ts';

export interface SmtpOptions extends SmtpDeps {
  /** `smtp` is the MX, `submission` STARTTLS, `submissions` implicit TLS; each only when enabled. */
  listeners: { smtp?: Listener; submission?: Listener; submissions?: Listener };
  lmtp?: Lmtp;
}

export interface SmtpService {
  addresses: { smtp?: AddressInfo; submission?: AddressInfo; submissions?: AddressInfo };
  /** The LMTP port, or its unix socket path. */
  lmtp?: AddressInfo | string;
  close(): Promise<void>;
}

/** A stale socket file from a killed run would make listen fail; anything else at the path is left alone. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) rmSync(path);
  } catch {
    // Nothing there.
  }
}

async function listen(listener: SmtpListener, where: { port: number; address: string } | { path: string }): Promise<AddressInfo | string> {
  const { server } = listener;
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    const done = () => {
      server.server.off('error', reject);
      resolve();
    };
    if ('path' in where) server.listen(where.path, done);
    else server.listen(where.port, where.address, done);
  });
  return server.server.address() as AddressInfo | string;
}

/**
 * Ends a listener: no new connections, idle sessions get 421 and are closed at
 * once (without waiting for the client's side), and a session in the middle of a
 * message finishes it (its 250 still means committed) before smtp-server's close
 * timeout answers everyone left with 421.
 */
function closeListener({ server, busy }: SmtpListener): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  for (const connection of server.connections) {
    if (!busy.has(connection.session.id)) hangUp(connection, '4.3.2 Service shutting down');
  }
  return closed;
}

/** Starts the MX, submission and LMTP listeners that are enabled. */
export async function startSmtp(opts: SmtpOptions): Promise<SmtpService> {
  keepOwnEnhancedCodes();
  const started: SmtpListener[] = [];
  const service: SmtpService = { addresses: {}, close: () => Promise.all(started.map(closeListener)).then(() => {}) };
  const roles: [keyof SmtpService['addresses'], Role, boolean][] = [
    ['smtp', 'mx', false],
    ['submission', 'submission', false],
    ['submissions', 'submission', true],
  ];
  try {
    for (const [name, role, implicitTls] of roles) {
      const config = opts.listeners[name];
      if (!config?.enabled) continue;
      const listener = createListener(opts, role, implicitTls);
      started.push(listener);
      expectProxyHeader(listener.server.server, config, opts.log, name);
      service.addresses[name] = (await listen(listener, config)) as AddressInfo;
    }
    if (opts.lmtp?.enabled) {
      const listener = createListener(opts, 'lmtp', false);
      started.push(listener);
      if (opts.lmtp.socket) removeStaleSocket(opts.lmtp.socket);
      service.lmtp = await listen(listener, opts.lmtp.socket ? { path: opts.lmtp.socket } : opts.lmtp);
    }
  } catch (err) {
    await service.close();
    throw err;
  }
  for (const [name, address] of Object.entries({ ...service.addresses, lmtp: service.lmtp })) {
    if (address) opts.log.info({ listener: name, address: typeof address === 'string' ? address : `${address.address}:${address.port}` }, 'listening');
  }
  return service;
}
