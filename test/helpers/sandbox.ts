import { request as httpsRequest } from 'node:https';
import { networkInterfaces } from 'node:os';
import type { TestContext } from 'node:test';
import type { Config } from '../../src/config/index.ts';
import type { RunningServer } from '../../src/server.ts';
import { startFullServer, type HttpReply } from './http.ts';
import { peerCertificate } from './serve.ts';
import { HOSTNAME } from './pop3.ts';

export const SANDBOX_ACCOUNT = 'sandbox@sandbox.test';
export const SANDBOX_PASSWORD = 'sandbox';
export const TOKEN = 'sandbox-test-token-0123456789';

export interface SandboxServer {
  server: RunningServer;
  https: number;
  submission: number;
  imap: number;
  ca: string;
}

/** A full server in sandbox mode with a known API token; HTTPS on every address, so that a test can come from a non-loopback one. */
export async function startSandboxServer(t: TestContext, adjust: (config: Config) => void = () => {}): Promise<SandboxServer> {
  const { server, port } = await startFullServer(t, (c) => {
    c.sandbox.enabled = true;
    c.sandbox.api_token = TOKEN;
    c.listeners.https.address = '0.0.0.0';
    adjust(c);
  });
  return { server, https: port('https'), submission: port('submission'), imap: port('imap'), ca: await peerCertificate(port('https')) };
}

/** This machine's first address that is not loopback: requests from it are not "local". */
export function outsideAddress(): string {
  const found = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  if (!found) throw new Error('this machine has no non-loopback IPv4 address to test the token rule from');
  return found.address;
}

/** One HTTPS request to the sandbox; `from` is the address connected to (and so the client's address). */
export function sandboxRequest(
  s: SandboxServer,
  path: string,
  opts: { method?: string; from?: string; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<HttpReply & { raw: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({
      host: opts.from ?? '127.0.0.1',
      port: s.https,
      path,
      method: opts.method ?? 'GET',
      headers: { Host: HOSTNAME, ...opts.headers },
      ca: s.ca,
      servername: HOSTNAME,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export async function apiJson<T>(s: SandboxServer, path: string, opts: { method?: string } = {}): Promise<{ status: number; body: T }> {
  const reply = await sandboxRequest(s, `/sandbox/api/${path}`, opts);
  return { status: reply.status, body: (reply.body ? JSON.parse(reply.body) : null) as T };
}
