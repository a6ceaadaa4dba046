import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { defaultConfig, LISTENER_NAMES, type Config } from '../../src/config/index.ts';
import { openStore, startServer, type RunningServer } from '../../src/server.ts';
import type { Store } from '../../src/store/types.ts';
import { tempDir } from './env.ts';
import { HOSTNAME } from './pop3.ts';

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with node's own client; `ca` makes it HTTPS with that CA trusted. */
export function fetchText(
  port: number,
  path: string,
  opts: { method?: string; body?: string; host?: string; ca?: string; headers?: Record<string, string> } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const common = { host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: { Host: opts.host ?? HOSTNAME, ...opts.headers } };
    const req = opts.ca ? httpsRequest({ ...common, ca: opts.ca, servername: HOSTNAME }) : httpRequest(common);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** An in-process server with every listener on a port the system picks; `seed` fills the store before it starts. */
export async function startFullServer(
  t: TestContext,
  adjust: (config: Config) => void = () => {},
  seed?: (store: Store) => Promise<void>,
): Promise<{ server: RunningServer; store: Store; config: Config; port: (name: (typeof LISTENER_NAMES)[number]) => number }> {
  const config = defaultConfig('dev');
  config.data_dir = tempDir(t);
  config.hostname = HOSTNAME;
  for (const name of LISTENER_NAMES) config.listeners[name] = { enabled: true, address: '127.0.0.1', port: 0 };
  adjust(config);
  if (seed) {
    const store = await openStore(config);
    await seed(store);
    await store.close();
  }
  const log = pino({ level: process.env.MAILFOLD_TEST_LOG ?? 'silent' }, pino.destination(2));
  const server = await startServer(config, log);
  t.after(() => server.close());
  const port = (name: (typeof LISTENER_NAMES)[number]) => {
    const bound = server.listeners[name]?.port;
    if (!bound) throw new Error(`listener ${name} is not running`);
    return bound;
  };
  return { server, store: server.store, config, port };
}

/** Runs a Python 3 snippet with `input` on stdin and returns its JSON output. */
export function python<T>(script: string, input: string): T {
  return JSON.parse(execFileSync('python3', ['-c', script], { input, encoding: 'utf8' })) as T;
}
