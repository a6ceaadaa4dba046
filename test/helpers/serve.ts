import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import type { ListenerName } from '../../src/config/index.ts';
import { exited, startServe } from './env.ts';

/** The listeners a `serve` subprocess runs in these tests; HTTP and HTTPS only when asked for. */
export const SERVED = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'managesieve'] as const;
export type Ports = Record<(typeof SERVED)[number], number>;

/** Ports that were free a moment ago; a subprocess config needs numbers (port 0 is not a valid config value). */
async function freePorts(): Promise<Ports> {
  const servers = SERVED.map(() => createServer());
  const ports = await Promise.all(
    servers.map((s) => new Promise<number>((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)))),
  );
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return Object.fromEntries(SERVED.map((name, i) => [name, ports[i]])) as Ports;
}

/** HTTP and HTTPS listeners on given ports (a CA must know them before the server starts), and the host name they answer as. */
export interface WebListeners {
  hostname: string;
  http: number;
  https: number;
}

/** A config file for a subprocess: loopback listeners on the given ports, HTTP off unless `web` says, `extra` TOML appended. */
export function writeConfig(file: string, dataDir: string, ports: Ports, extra = '', web?: WebListeners): void {
  const lines = [`hostname = "${web?.hostname ?? 'localhost'}"`, `data_dir = ${JSON.stringify(dataDir)}`];
  for (const name of SERVED) lines.push(`[listeners.${name}]`, `address = "127.0.0.1"`, `port = ${ports[name]}`);
  for (const name of ['http', 'https'] as const satisfies ListenerName[]) {
    lines.push(`[listeners.${name}]`, ...(web ? [`address = "127.0.0.1"`, `port = ${web[name]}`] : [`enabled = false`]));
  }
  writeFileSync(file, lines.join('\n') + '\n' + extra);
}

export interface Served {
  child: ChildProcess;
  ports: Ports;
  config: string;
  /** Everything the server printed so far. */
  output: () => string;
}

/**
 * `serve` as a subprocess (the checkout's bin, or `exe`) on free high ports; it is
 * started again on new ports if another process took one in between (EADDRINUSE).
 */
export async function serveOnFreePorts(
  t: TestContext,
  dir: string,
  opts: { exe?: string | string[]; env?: Record<string, string>; extra?: string; web?: WebListeners } = {},
): Promise<Served> {
  const config = join(dir, 'mailfold.toml');
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts();
    writeConfig(config, join(dir, 'data'), ports, opts.extra, opts.web);
    try {
      const child = await startServe({ cwd: dir, args: ['--config', config], env: opts.env, exe: opts.exe });
      t.after(async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        await exited(child);
      });
      return { child, ports, config, output: child.output };
    } catch (err) {
      if (attempt >= 3 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

/** The server's certificate as PEM, read from a TLS handshake, to trust it by name in a client. */
export function peerCertificate(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      const der = socket.getPeerCertificate().raw;
      socket.destroy();
      resolve(`-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`);
    });
    socket.once('error', reject);
  });
}

/** Resolves when what the server printed after offset `from` matches `pattern`; fails if it exits first. */
export function outputMatching(served: Served, pattern: RegExp, from: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const text = served.output().slice(from);
      if (!pattern.test(text)) return false;
      served.child.stdout!.off('data', onData);
      served.child.off('exit', onExit);
      resolve(text);
      return true;
    };
    // The helper's own listener appends first, so the output seen here includes this chunk.
    const onData = () => void check();
    const onExit = () => reject(new Error(`server exited before printing ${pattern}:\n${served.output().slice(from)}`));
    if (check()) return;
    served.child.stdout!.on('data', onData);
    served.child.once('exit', onExit);
  });
}
