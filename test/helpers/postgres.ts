import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';
import { freePort } from './pebble.ts';

const run = promisify(execFile);

/** Debian's PostgreSQL 15 (.ci/run installs `postgresql`). */
export const PG_BIN = '/usr/lib/postgresql/15/bin';

/** A throw-away PostgreSQL cluster: its own data dir, a unix socket in it, a loopback port. */
export interface PostgresCluster {
  /** A URL to the cluster's `postgres` database as its superuser, over TCP. */
  url(database?: string): string;
  /** A new, empty database; its URL. */
  createDatabase(): Promise<string>;
  /** The same database through the cluster's unix socket, in libpq's form (`?host=DIR`), as a node on the database's machine connects. */
  socketUrl(tcpUrl: string): string;
  /** The server log so far, for failure messages. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

const isRoot = (): boolean => process.getuid?.() === 0;

/** Runs a PostgreSQL tool, as the `postgres` user when we are root (PostgreSQL refuses to run as root). */
function pgTool(tool: string, args: string[]): Promise<{ stdout: string }> {
  const path = join(PG_BIN, tool);
  return isRoot() ? run('runuser', ['-u', 'postgres', '--', path, ...args]) : run(path, args);
}

export const postgresInstalled = (): boolean => existsSync(join(PG_BIN, 'initdb'));

/**
 * initdb into a temp dir (fsync on, as in production), then pg_ctl start, which
 * waits until the server accepts connections. Local socket connections are
 * trusted; TCP needs the superuser's password, which the URLs carry.
 */
export async function launchPostgres(): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-pg-'));
  if (isRoot()) {
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  const password = randomBytes(12).toString('hex');
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (isRoot()) await run('chown', ['postgres', pwfile]);
  await pgTool('initdb', ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--no-locale']);
  const port = await freePort();
  const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=on -c synchronous_commit=on -c max_connections=200 -c shared_buffers=32MB`;
  const logFile = join(dir, 'server.log');
  await pgTool('pg_ctl', ['-D', data, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
  let databases = 0;
  let stopped = false;
  const url = (database = 'postgres') => `postgres://postgres:${password}@127.0.0.1:${port}/${database}`;
  return {
    url,
    async createDatabase() {
      const name = `t${process.pid}_${++databases}`;
      await pgTool('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-q', '-c', `CREATE DATABASE ${name}`]);
      return url(name);
    },
    socketUrl: (tcpUrl) => `postgres://postgres@/${new URL(tcpUrl).pathname.slice(1)}?host=${dir}&port=${port}`,
    log: async () => (await run('cat', [logFile]).catch(() => ({ stdout: '' }))).stdout,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgTool('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/**
 * One cluster for a test file, started at its first use and stopped when the file's
 * tests end; each test takes a database of its own. Call at the top level of the file.
 */
export function postgresForFile(): (t: TestContext) => Promise<string | null> {
  let cluster: Promise<PostgresCluster> | null = null;
  after(async () => {
    if (cluster) await (await cluster).stop();
  });
  return async (t) => {
    if (!postgresInstalled()) {
      if (process.env.CI === 'true') throw new Error(`PostgreSQL is not installed in ${PG_BIN} (.ci/run installs postgresql)`);
      t.skip('PostgreSQL is not installed');
      return null;
    }
    cluster ??= launchPostgres();
    return (await cluster).createDatabase();
  };
}
