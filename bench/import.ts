/**
 * Import throughput and peak memory: `node bench/import.ts [--messages 20000] [--size 4096]`.
 * Writes an mbox of generated messages (bench/messages.ts), imports it with
 * `mailfold import` into a fresh data dir (the store opened by the CLI, fsync on),
 * then exports that mailbox as a Maildir and imports the Maildir into a second
 * account. Each run is timed and its peak RSS read by GNU time (`%M`).
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { makeMessage } from './messages.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '20000' }, size: { type: 'string', default: '4096' } } });
const count = Number(values.messages);
const size = Number(values.size);
const BIN = new URL('../bin/mailfold.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mf-bench-import-'));
const data = join(dir, 'data');

/** Setup commands, untimed. */
function mailfold(args: string[], input?: string): void {
  execFileSync(process.execPath, [BIN, '--data-dir', data, ...args], { input, stdio: ['pipe', 'ignore', 'inherit'] });
}

/** GNU time prints to stderr, which execFileSync drops on success: run it through sh to catch it. */
function timed(args: string[]): { seconds: number; peakRssMb: number } {
  const started = process.hrtime.bigint();
  const quoted = [process.execPath, BIN, '--data-dir', data, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const err = execFileSync('sh', ['-c', `/usr/bin/time -f 'peak-rss-kb %M' ${quoted} 2>&1 >/dev/null | tail -1`], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, peakRssMb: Number(/peak-rss-kb (\d+)/.exec(err)?.[1] ?? 0) / 1024 };
}

async function writeMbox(file: string): Promise<number> {
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const raw = makeMessage(i, size, 'a@example.org').toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1');
    if (!out.write(`From sender@example.net Mon Jan  1 00:00:00 2024\n${raw}\n`)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(() => r()));
  return statSync(file).size;
}

try {
  const mbox = join(dir, 'bench.mbox');
  const bytes = await writeMbox(mbox);
  mailfold(['domain', 'add', 'example.org']);
  for (const user of ['a@example.org', 'b@example.org']) mailfold(['user', 'add', user, '--password-stdin'], 'correct horse battery\n');
  const rows: string[] = [];
  const row = (what: string, r: { seconds: number; peakRssMb: number }) =>
    rows.push(`| ${what} | ${count} | ${(bytes / 1e6).toFixed(0)} MB | ${r.seconds.toFixed(1)} s | ${(count / r.seconds).toFixed(0)} | ${(bytes / 1e6 / r.seconds).toFixed(1)} | ${r.peakRssMb.toFixed(0)} MB |`);
  row('import mbox', timed(['import', 'a@example.org', mbox]));
  row('import mbox again (all marked, nothing written)', timed(['import', 'a@example.org', mbox]));
  const maildir = join(dir, 'export');
  row('export Maildir', timed(['export', 'a@example.org', maildir, '--format', 'maildir', '--mailbox', 'INBOX']));
  row('import Maildir', timed(['import', 'b@example.org', maildir]));
  console.log(`${count} messages of ${size} bytes, mbox ${(bytes / 1e6).toFixed(1)} MB; node ${process.version}\n`);
  console.log('| run | messages | size | time | messages/s | MB/s | peak RSS |\n| --- | --- | --- | --- | --- | --- | --- |');
  console.log(rows.join('\n'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
