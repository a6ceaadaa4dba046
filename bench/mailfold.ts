import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashPassword } from '../src/auth/password.ts';
import { openLevelStore, type LevelStore } from '../src/store/level/store.ts';
import { bundleCheckout } from '../scripts/package/bundle.ts';
import { NODE_FLAGS } from '../scripts/package/node-flags.ts';
import { writeServeConfig } from '../test/helpers/serve-load.ts';
import { address, DOMAIN, freePorts, listening, PASSWORD, type Target } from './target.ts';

export interface MailfoldOptions {
  /** Write a V8 CPU profile of the server into this directory. */
  cpuProfDir?: string;
  /** Mailfold's verified-login cache (`auth.cache_ttl`, 1 hour); off: every login runs argon2id. */
  authCache?: boolean;
  /** Fills mailboxes through the store API before the server starts (faster than SMTP). */
  fill?: (store: LevelStore) => Promise<void>;
}

/**
 * Mailfold as a separate `mailfold serve` process (so /proc shows its memory alone), run
 * as `npm start` runs it (the bundle, the same V8 flags), with fsync on (the default), the
 * accounts made in its store before it starts.
 */
export async function startMailfold(users: string[], opts: MailfoldOptions = {}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-'));
  // In the checkout, as `npm run build` puts it: its packages resolve from node_modules there.
  const root = resolve(import.meta.dirname, '..');
  const bin = join(root, 'dist', 'mailfold.mjs');
  await bundleCheckout(root, bin);
  const dataDir = join(dir, 'data');
  const store = await openLevelStore(dataDir, { sync: true, chunkSize: 65536 });
  const passwordHash = await hashPassword(PASSWORD);
  await store.addDomain(DOMAIN);
  for (const user of users) await store.addAccount({ address: address(user), passwordHash, quotaBytes: 0, quotaMessages: 0 });
  await opts.fill?.(store);
  await store.close();

  const ports = await freePorts();
  // The benchmark opens hundreds of sessions from 127.0.0.1.
  const auth = opts.authCache === false ? '[auth]\ncache_ttl = 0\n' : '';
  const config = writeServeConfig(dir, dataDir, ports, `[limits]\nconnections_per_ip = 10000\n${auth}`);
  const logFile = join(dir, 'serve.log');
  const log = openSync(logFile, 'a');
  const launch = async (profile: boolean): Promise<{ child: ChildProcess; ms: number }> => {
    const flags = profile && opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
    const started = performance.now();
    const child = spawn(process.execPath, [...NODE_FLAGS, ...flags, bin, '--config', config, 'serve'], { cwd: dir, stdio: ['ignore', log, log] });
    await listening(ports);
    return { child, ms: performance.now() - started };
  };
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    await gone;
  };
  // The first start makes the certificate and opens a fresh store; time a restart.
  await stop((await launch(false)).child);
  const { child, ms } = await launch(true);
  return {
    name: 'Mailfold',
    ports,
    startupMs: ms,
    logFile,
    roots: () => [child.pid!],
    stop: async () => {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
