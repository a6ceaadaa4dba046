import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostfixInstance {
  /** `hostname`'s SMTP server listens on `address:port`; the instance's `main.cf` gets `main(dir)` after the common lines. */
  hostname: string;
  address: string;
  port: number;
  main: (dir: string) => string[];
  /** Makes what the config names (maildirs, certificates) under `dir` before Postfix starts. */
  prepare?: (dir: string) => void | Promise<void>;
}

/**
 * A private Postfix instance (its own config, queue and log under a temp dir, Debian's
 * services without chroot), started, and stopped when the test ends. Returns its dir.
 */
export async function startPostfix(t: TestContext, opts: PostfixInstance): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-postfix-'));
  const etc = join(dir, 'etc');
  // Stopped before its directory goes: without its config, `postfix stop` could not find the instance.
  t.after(async () => {
    await run('postfix', ['-c', etc, 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  });
  // The data directory is left for Postfix to make: it must belong to its own user.
  for (const d of [etc, join(dir, 'queue')]) mkdirSync(d, { recursive: true });
  chmodSync(dir, 0o755);
  await opts.prepare?.(dir);
  const common = [
    'compatibility_level = 3.6',
    `myhostname = ${opts.hostname}`,
    'mydestination =',
    // Postfix only knows 127.0.0.1 as an interface address; smtpd binds the test's own address from master.cf.
    'inet_interfaces = all',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    `queue_directory = ${join(dir, 'queue')}`,
    `data_directory = ${join(dir, 'data')}`,
    `maillog_file = ${join(dir, 'maillog')}`,
    `maillog_file_prefixes = ${dir}`,
    'alias_maps =',
    'alias_database =',
    'biff = no',
  ];
  writeFileSync(join(etc, 'main.cf'), [...common, ...opts.main(dir)].join('\n') + '\n');
  const master = readFileSync('/etc/postfix/master.cf', 'utf8')
    .split('\n')
    .map((line) => {
      if (/^smtp\s+inet\s/.test(line)) return line.replace(/^smtp/, `${opts.address}:${opts.port}`).replace(/^(\S+\s+\S+\s+\S+\s+\S+\s+)y/, '$1n');
      return line.replace(/^(\S+\s+(?:unix|unix-dgram|fifo|pass)\s+\S+\s+\S+\s+)y(\s)/, '$1n$2');
    })
    .join('\n');
  writeFileSync(join(etc, 'master.cf'), master);
  await run('postfix', ['-c', etc, 'start']);
  return dir;
}
