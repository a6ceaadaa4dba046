import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { bundleCheckout } from '../scripts/package/bundle.ts';
import { NODE_FLAGS } from '../scripts/package/node-flags.ts';
import { freePort } from './target.ts';
import { treeMemory } from './memory.ts';

/**
 * `node bench/web-idle-rss.ts [--runs 3] [--settle 5]`: the RSS of an idle `mailfold serve`
 * (the bundle, as `npm start` runs it) with the web interface on and off, every listener
 * on; with it on, again after one login page and one static file were served. Prints the
 * median of the runs, MB (docs/performance.md).
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const RUNS = arg('runs', 3);
const SETTLE_MS = arg('settle', 5) * 1000;
const LISTENERS = ['smtp', 'submission', 'submissions', 'imap', 'imaps', 'pop3', 'pop3s', 'http', 'https'];

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'dist', 'mailfold.mjs');

function get(port: number, path: string): Promise<number> {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode ?? 0));
    });
    req.on('error', fail);
    req.end();
  });
}

async function measure(web: boolean): Promise<{ idle: number; served?: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'mf-webrss-'));
  const ports: Record<string, number> = {};
  for (const name of LISTENERS) ports[name] = await freePort();
  const config = join(dir, 'mailfold.toml');
  const listeners = LISTENERS.map((n) => `[listeners.${n}]\naddress = "127.0.0.1"\nport = ${ports[n]}\n`).join('');
  writeFileSync(config, `hostname = "localhost"\ndata_dir = "${join(dir, 'data')}"\n${listeners}[web]\nenabled = ${web}\n`);
  const start = () => {
    const child = spawn(process.execPath, [...NODE_FLAGS, bin, '--config', config, 'serve', '--create'], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise<ChildProcess>((ready, fail) => {
      let out = '';
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('mailfold ready')) ready(child);
      });
      child.once('exit', (code) => fail(new Error(`serve exited with ${code}: ${out}`)));
    });
  };
  const stop = async (child: ChildProcess) => {
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    await gone;
  };
  try {
    // The first start makes the certificate and a fresh store; measure a restart.
    await stop(await start());
    const child = await start();
    await delay(SETTLE_MS);
    const idle = treeMemory([child.pid!]).rss;
    let served: number | undefined;
    if (web) {
      if ((await get(ports.https!, '/account/login')) !== 200) throw new Error('the login page was not served');
      await get(ports.https!, '/account/static/web.css');
      await delay(SETTLE_MS);
      served = treeMemory([child.pid!]).rss;
    }
    await stop(child);
    return { idle, ...(served !== undefined ? { served } : {}) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await bundleCheckout(root, bin);
const off: number[] = [];
const on: number[] = [];
const served: number[] = [];
for (let i = 0; i < RUNS; i++) {
  off.push((await measure(false)).idle);
  const m = await measure(true);
  on.push(m.idle);
  served.push(m.served!);
}
const mb = (n: number) => n.toFixed(1);
console.log(`idle RSS, median of ${RUNS} runs (MB): web off ${mb(median(off))}, web on ${mb(median(on))}, web on after one page ${mb(median(served))}`);
console.log(`runs: off ${off.map(mb).join(' ')}; on ${on.map(mb).join(' ')}; after a page ${served.map(mb).join(' ')}`);
