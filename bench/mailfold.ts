import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hashPassword } from '../src/auth/password.ts';
import { openLevelStore, type LevelStore } from '../src/store/level/store.ts';
import { openPostgresStore } from '../src/store/postgres/store.ts';
import type { Store } from '../src/store/types.ts';
import { bundleCheckout } from '../scripts/package/bundle.ts';
import { NODE_FLAGS } from '../scripts/package/node-flags.ts';
import { launchPostgres, type PostgresCluster } from '../test/helpers/postgres.ts';
import { writeServeConfig } from '../test/helpers/serve-load.ts';
import { address, DOMAIN, freePorts, listening, PASSWORD, type Ports, type Target } from './target.ts';

export interface MailfoldOptions {
  /** Write a V8 CPU profile of the server into this directory. */
  cpuProfDir?: string;
  /** Mailfold's verified-login cache (`auth.cache_ttl`, 1 hour); off: every login runs argon2id. */
  authCache?: boolean;
  /** Fills mailboxes through the store API before the server starts (faster than SMTP); LevelDB only. */
  fill?: (store: LevelStore) => Promise<void>;
  /** The backend: LevelDB in the data dir (default), or a throw-away PostgreSQL cluster started here. */
  store?: 'level' | 'postgres';
  /** `serve` processes on the one PostgreSQL database, each on its own ports. */
  nodes?: number;
  /** How the nodes reach PostgreSQL: loopback TCP (default) or the cluster's unix socket. */
  pgVia?: 'tcp' | 'socket';
}

/**
 * Connections per node to PostgreSQL. The database shares this machine's two cores with
 * the nodes: about twice its cores in backends (PostgreSQL's own rule of thumb) did best,
 * 4 against 16 with 16 SMTP sessions (docs/scale-out.md, pool size): appends and flag
 * changes go in groups, so sessions need not each hold a connection, and fewer
 * connections carry more statements per socket write.
 */
const POOL_SIZE = 4;

/**
 * Mailfold as separate `mailfold serve` processes (so /proc shows their memory alone), run
 * as `npm start` runs it (the bundle, the same V8 flags), with fsync on (the default), the
 * accounts made in its store before it starts. On PostgreSQL the cluster is started with
 * fsync and synchronous_commit on (test/helpers/postgres.ts), its processes not counted in
 * the memory figures.
 */
export async function startMailfold(users: string[], opts: MailfoldOptions = {}): Promise<Target> {
  const backend = opts.store ?? 'level';
  const nodes = opts.nodes ?? 1;
  if (backend === 'level' && nodes > 1) throw new Error('several nodes need the PostgreSQL store (--store postgres)');
  const dir = mkdtempSync(join(tmpdir(), 'mf-bench-'));
  // In the checkout, as `npm run build` puts it: its packages resolve from node_modules there.
  const root = resolve(import.meta.dirname, '..');
  const bin = join(root, 'dist', 'mailfold.mjs');
  await bundleCheckout(root, bin);
  let cluster: PostgresCluster | null = null;
  let storeToml = '';
  let store: Store;
  if (backend === 'postgres') {
    cluster = await launchPostgres();
    const url = await cluster.createDatabase();
    storeToml = `[store]\nbackend = "postgres"\nurl = "${opts.pgVia === 'socket' ? cluster.socketUrl(url) : url}"\ntls = "off"\npool_size = ${POOL_SIZE}\n`;
    store = await openPostgresStore({ url, poolSize: 4, tls: { mode: 'off' }, chunkSize: 65536 });
    if (opts.fill) throw new Error('fill works on LevelDB only');
  } else {
    const level = await openLevelStore(join(dir, 'node1', 'data'), { sync: true, chunkSize: 65536 });
    store = level;
    await opts.fill?.(level);
  }
  const passwordHash = await hashPassword(PASSWORD);
  await store.addDomain(DOMAIN);
  for (const user of users) await store.addAccount({ address: address(user), passwordHash, quotaBytes: 0, quotaMessages: 0 });
  await store.close();

  const auth = opts.authCache === false ? '[auth]\ncache_ttl = 0\n' : '';
  const logFile = join(dir, 'serve.log');
  const log = openSync(logFile, 'a');
  const configs: { config: string; ports: Ports }[] = [];
  for (let n = 1; n <= nodes; n++) {
    const nodeDir = join(dir, `node${n}`);
    mkdirSync(nodeDir, { recursive: true });
    const ports = await freePorts();
    // The benchmark opens hundreds of sessions from 127.0.0.1.
    configs.push({ config: writeServeConfig(nodeDir, join(nodeDir, 'data'), ports, `[limits]\nconnections_per_ip = 10000\n${auth}${storeToml}`), ports });
  }
  const launch = async (node: (typeof configs)[number], profile: boolean): Promise<{ child: ChildProcess; ms: number }> => {
    const flags = profile && opts.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`] : [];
    const started = performance.now();
    const child = spawn(process.execPath, [...NODE_FLAGS, ...flags, bin, '--config', node.config, 'serve', '--create'], { cwd: dir, stdio: ['ignore', log, log] });
    await listening(node.ports);
    return { child, ms: performance.now() - started };
  };
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    await gone;
  };
  // The first start makes the certificate and opens a fresh store; time a restart.
  await stop((await launch(configs[0]!, false)).child);
  const started = [];
  for (const node of configs) started.push(await launch(node, true));
  const children = started.map((s) => s.child);
  const label = backend === 'postgres' ? `Mailfold (PostgreSQL${nodes > 1 ? `, ${nodes} nodes` : ''})` : 'Mailfold';
  return {
    name: label,
    ports: configs[0]!.ports,
    ...(nodes > 1 ? { nodes: configs.map((c) => c.ports) } : {}),
    startupMs: started[0]!.ms,
    logFile,
    roots: () => children.map((c) => c.pid!),
    stop: async () => {
      await Promise.all(children.map(stop));
      await cluster?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
