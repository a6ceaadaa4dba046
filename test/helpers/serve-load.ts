import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServe } from './env.ts';

export type ServedProtocol = 'smtp' | 'imap' | 'pop3';
export type ServePorts = Record<ServedProtocol, number>;

const ALL_LISTENERS = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http', 'https', 'managesieve'];

const randomPort = () => 20000 + Math.floor(Math.random() * 40000);

/**
 * Writes `mailfold.toml` in `dir`: MX SMTP, IMAP and POP3 on 127.0.0.1 at the given
 * ports, every other listener off; `extra` is more TOML for the end of the file.
 */
export function writeServeConfig(dir: string, dataDir: string, ports: ServePorts, extra = ''): string {
  const file = join(dir, 'mailfold.toml');
  const listeners = ALL_LISTENERS.map((name) => {
    const port = ports[name as ServedProtocol];
    return port ? `[listeners.${name}]\naddress = "127.0.0.1"\nport = ${port}\n` : `[listeners.${name}]\nenabled = false\n`;
  });
  writeFileSync(file, `hostname = "localhost"\ndata_dir = "${dataDir}"\n[log]\nlevel = "info"\nformat = "json"\n${listeners.join('')}${extra}`);
  return file;
}

/**
 * Starts `mailfold serve` as a subprocess with SMTP, IMAP and POP3 listeners. `serve`
 * needs real port numbers, so it picks random high ports and tries others when one
 * is taken. Pass `ports` to reuse the ones of an earlier run (after a kill).
 */
export async function serveOnFreePorts(dir: string, dataDir: string, ports?: ServePorts): Promise<{ child: ChildProcess; ports: ServePorts }> {
  for (let attempt = 0; ; attempt++) {
    const chosen = attempt === 0 && ports ? ports : { smtp: randomPort(), imap: randomPort(), pop3: randomPort() };
    if (new Set(Object.values(chosen)).size < 3) continue;
    const config = writeServeConfig(dir, dataDir, chosen);
    try {
      return { child: await startServe({ cwd: dir, args: ['--config', config] }), ports: chosen };
    } catch (err) {
      if (attempt >= 20 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}
