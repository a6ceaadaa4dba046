import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * `node bench/startup.ts [EXE]`: the packaged executable's size and its start-up time,
 * from exec to the "mailfold ready" log line (every listener bound): the first start on a
 * fresh data dir (it writes the addons to the cache and makes the self-signed
 * certificate), then restarts on the same data dir.
 */
const exe = resolve(process.argv[2] ?? 'dist/mailfold-linux-x64');
const runs = 5;

function startOnce(dir: string): Promise<number> {
  const config = join(dir, 'mailfold.toml');
  // The system profile's ports need privileges; the offset keeps every listener unprivileged.
  const ports = { smtp: 40025, submission: 40587, submissions: 40465, imap: 40143, imaps: 40993, pop3: 40110, pop3s: 40995 };
  const toml = [`hostname = "localhost"`, `data_dir = "data"`, '[listeners.http]', 'enabled = false', '[listeners.https]', 'enabled = false'];
  for (const [name, port] of Object.entries(ports)) toml.push(`[listeners.${name}]`, `address = "127.0.0.1"`, `port = ${port}`);
  execFileSync('sh', ['-c', `cat > ${config}`], { input: toml.join('\n') });
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(exe, ['--config', config, 'serve', '--create'], { cwd: dir, env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
      if (!out.includes('mailfold ready')) return;
      const ms = performance.now() - started;
      child.removeAllListeners('exit');
      child.once('exit', () => done(ms));
      child.kill('SIGTERM');
    });
    child.once('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
  });
}

const times: number[] = [];
const dir = mkdtempSync(join(tmpdir(), 'mf-bench-'));
try {
  console.log(`first start (fresh data dir and cache): ${(await startOnce(dir)).toFixed(0)} ms`);
  for (let i = 0; i < runs; i++) times.push(await startOnce(dir));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
console.log(`size: ${(statSync(exe).size / 1e6).toFixed(1)} MB`);
console.log(`restart to listening, median of ${runs}: ${times[Math.floor(runs / 2)]!.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)})`);
