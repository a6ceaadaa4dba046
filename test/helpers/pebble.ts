import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { createSelfSigned } from '../../src/tls/self-signed.ts';
import { tempDir } from './env.ts';

/** A port free right now, for a tool that must be told its port before it starts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Starts a tool and resolves when a line of its output matches `ready`; killed when the test ends. */
function startTool(t: TestContext, command: string, args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    t.after(() => {
      child.kill();
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code} before it was ready:\n${out}`)));
  });
}

export interface Pebble {
  directoryUrl: string;
  /** The CA file that makes pebble's own HTTPS listener trusted. */
  caFile: string;
  output(): string;
}

/**
 * Debian's pebble with pebble-challtestsrv as its DNS server, which answers every
 * A query with 127.0.0.1: validations go to Mailfold's HTTP (`httpPort`) and HTTPS
 * (`tlsPort`) listeners on loopback. Ports taken by another process are retried.
 */
export async function startPebble(t: TestContext, mailfold: { httpPort: number; tlsPort: number }): Promise<Pebble> {
  const dir = tempDir(t, 'mf-pebble-');
  const listener = await createSelfSigned('127.0.0.1');
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, listener.certPem);
  writeFileSync(keyFile, listener.keyPem);
  for (let attempt = 1; ; attempt++) {
    const [dns, dnsManagement, acme, management] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    try {
      await startTool(
        t,
        'pebble-challtestsrv',
        ['-dns01', `127.0.0.1:${dns}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsManagement}`, '-defaultIPv6', ''],
        {},
        /Starting management server/,
      );
      const config = join(dir, 'pebble.json');
      writeFileSync(
        config,
        JSON.stringify({
          pebble: {
            listenAddress: `127.0.0.1:${acme}`,
            managementListenAddress: `127.0.0.1:${management}`,
            certificate: certFile,
            privateKey: keyFile,
            httpPort: mailfold.httpPort,
            tlsPort: mailfold.tlsPort,
            ocspResponderURL: '',
            externalAccountBindingRequired: false,
          },
        }),
      );
      let out = '';
      const child = await startTool(
        t,
        'pebble',
        ['-config', config, '-dnsserver', `127.0.0.1:${dns}`],
        // No deliberate nonce rejections or authorization reuse: each order validates its challenges.
        { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
        /ACME directory available at/,
      );
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      return { directoryUrl: `https://127.0.0.1:${acme}/dir`, caFile: certFile, output: () => out };
    } catch (err) {
      if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}
