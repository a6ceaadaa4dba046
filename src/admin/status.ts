import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** What `mailfold status` shows about the running server. */
export interface ServerStatus {
  version: string;
  pid: number;
  startedAt: string;
  uptimeSeconds: number;
  hostname: string;
  configFile: string | null;
  dataDir: string;
  /** Bytes of everything under the data dir: the store, its log and the certificates in it. */
  storeBytes: number;
  /** Open client connections, every protocol together. */
  connections: number;
  /** Each bound listener as `address:port` (or a socket path for LMTP). */
  listeners: Record<string, string>;
  /** Messages in the outbound queue. */
  queued: number;
  /** The certificate every TLS listener serves. */
  certificate: { source: string; notAfter: string };
}

/** The running server's side of the status, filled in by server.ts as listeners start. */
export interface StatusSource {
  hostname: string;
  configFile: string | null;
  dataDir: string;
  startedAt: Date;
  version: string;
  connections(): number;
  listeners(): Record<string, string>;
}

/** Bytes in regular files under `dir`, not following symlinks; entries that vanish meanwhile count 0. */
export async function treeSize(dir: string): Promise<number> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  const sizes = await Promise.all(
    entries.map(async (e) => {
      const path = join(dir, e.name);
      if (e.isDirectory()) return treeSize(path);
      if (!e.isFile()) return 0;
      return stat(path).then((s) => s.size, () => 0);
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

/** The process's part of the status; the admin service adds the queue and the certificate. */
export async function collectStatus(source: StatusSource, now = new Date()): Promise<Omit<ServerStatus, 'queued' | 'certificate'>> {
  return {
    version: source.version,
    pid: process.pid,
    startedAt: source.startedAt.toISOString(),
    uptimeSeconds: Math.floor((now.getTime() - source.startedAt.getTime()) / 1000),
    hostname: source.hostname,
    configFile: source.configFile,
    dataDir: source.dataDir,
    storeBytes: await treeSize(source.dataDir),
    connections: source.connections(),
    listeners: source.listeners(),
  };
}
