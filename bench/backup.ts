/**
 * Backup and restore throughput and peak memory (issue 17):
 *
 *   node bench/backup.ts [--messages 20000] [--size 4096] [--keep DIR] [--heap MB]
 *
 * Fills a store through the delivery write path with `--messages` generated messages
 * (of about `--size` bytes, over 4 accounts), then runs each command as its own
 * `mailfold` process, as a person would, and samples its peak RSS (VmHWM) from /proc:
 * a full backup at a quarter of the messages and at all of them (peak memory must not
 * grow with the store), `backup verify`, an incremental backup after 100 more
 * messages, and a restore of the chain into a new data dir. Rates use the job's own
 * time; `process s` adds the process's start-up. `peak RSS` counts the store's table
 * files LevelDB maps into memory and reads (clean pages the kernel drops when it needs
 * them); `peak anon` is the memory the process itself holds (RssAnon), garbage not yet
 * collected included: `--heap MB` caps each process's V8 old space, to show what it needs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '../src/auth/password.ts';
import { deliverMessage } from '../src/delivery/deliver.ts';
import { openLevelStore, type LevelStore } from '../src/store/level/store.ts';
import { makeMessage } from './messages.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '20000' }, size: { type: 'string', default: '4096' }, keep: { type: 'string' }, heap: { type: 'string' } } });
const MESSAGES = Number(values.messages);
const SIZE = Number(values.size);
const BIN = new URL('../bin/mailfold.js', import.meta.url).pathname;
const USERS = ['a', 'b', 'c', 'd'].map((u) => `${u}@bench.example`);

const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'mf-backup-bench-'));
const data = join(dir, 'data');

async function fill(store: LevelStore, from: number, to: number): Promise<void> {
  let next = from;
  const worker = async () => {
    for (let n = next++; n < to; n = next++) {
      const recipient = USERS[n % USERS.length]!;
      await deliverMessage(store, { from: 'bench@example.net', recipients: [recipient], raw: makeMessage(n, SIZE, recipient), subaddressSeparator: '+' });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

async function withStore(fn: (store: LevelStore) => Promise<void>): Promise<void> {
  const store = await openLevelStore(data, { sync: false, chunkSize: 65536 });
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

/** Runs `mailfold ARGS`, sampling its peak RSS; fails when it does. */
async function run(args: string[]): Promise<{ seconds: number; wall: number; peakMb: number; peakAnonMb: number; result: Record<string, unknown> }> {
  const started = process.hrtime.bigint();
  const heap = values.heap ? [`--max-old-space-size=${values.heap}`] : [];
  const child = spawn(process.execPath, [...heap, BIN, '--json', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, MAILFOLD_CONFIG: '' } });
  let peakKb = 0;
  let peakAnonKb = 0;
  const sample = () => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'latin1');
      const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
      peakKb = Math.max(peakKb, field('VmHWM'));
      peakAnonKb = Math.max(peakAnonKb, field('RssAnon'));
    } catch {
      // It has just exited.
    }
  };
  const timer = setInterval(sample, 20);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    sample();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(timer);
  if (code !== 0) throw new Error(`mailfold ${args.join(' ')} exited with ${code}`);
  const last = JSON.parse(out.trim().split('\n').at(-1)!) as { result: { seconds: number } };
  // The job's own time: the process's start-up (loading the TypeScript sources) is not the backup's.
  return { seconds: last.result.seconds, wall: Number(process.hrtime.bigint() - started) / 1e9, peakMb: peakKb / 1024, peakAnonMb: peakAnonKb / 1024, result: last.result };
}

const mb = (bytes: number) => bytes / 1e6;
const rows: string[][] = [];
/** `bytes`: the records' bytes the command went through (a backup's manifest says). */
function report(what: string, messages: number, bytes: number, r: { seconds: number; wall: number; peakMb: number; peakAnonMb: number }): void {
  const cells = [messages.toLocaleString('en'), (messages / r.seconds).toFixed(0), (mb(bytes) / r.seconds).toFixed(1), r.seconds.toFixed(1), r.wall.toFixed(1)];
  rows.push([what, ...cells, r.peakMb.toFixed(0), r.peakAnonMb.toFixed(0)]);
}
const recordBytes = async (file: string) => ((await run(['backup', 'verify', file])).result as { manifest: { valueBytes: number } }).manifest.valueBytes;

await withStore(async (store) => {
  const hash = await hashPassword('bench password');
  await store.addDomain('bench.example');
  for (const address of USERS) await store.addAccount({ address, passwordHash: hash, quotaBytes: 0, quotaMessages: 0 });
});
const quarter = Math.floor(MESSAGES / 4);
await withStore((store) => fill(store, 0, quarter));
const small = await run(['--data-dir', data, 'backup', join(dir, 'quarter.mfb')]);
report('backup, full', quarter, await recordBytes(join(dir, 'quarter.mfb')), small);

await withStore((store) => fill(store, quarter, MESSAGES));
const file = join(dir, 'full.mfb');
const full = await run(['--data-dir', data, 'backup', file]);
const verify = await run(['backup', 'verify', file]);
const bytes = (verify.result as { manifest: { valueBytes: number } }).manifest.valueBytes;
report('backup, full', MESSAGES, bytes, full);
report('backup verify', MESSAGES, bytes, verify);

await withStore((store) => fill(store, MESSAGES, MESSAGES + 100));
const incFile = join(dir, 'inc.mfb');
const inc = await run(['--data-dir', data, 'backup', incFile, '--incremental', file]);
report('backup, incremental (+100 messages)', MESSAGES + 100, bytes, inc);
const restore = await run(['--data-dir', join(dir, 'restored'), 'restore', file, incFile]);
report('restore, full + incremental', MESSAGES + 100, bytes, restore);

console.log(`store: ${MESSAGES.toLocaleString('en')} messages of ~${SIZE} B in 4 accounts; records ${mb(bytes).toFixed(0)} MB; ` +
  `backup file ${mb(statSync(file).size).toFixed(0)} MB; incremental file ${mb(statSync(incFile).size).toFixed(2)} MB`);
const header = ['what', 'messages', 'messages/s', 'MB/s (records)', 'seconds', 'process s', 'peak RSS MB', 'peak anon MB'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
for (const row of [header, ...rows]) console.log(row.map((c, i) => c.padEnd(widths[i]!)).join('  '));
if (!values.keep) rmSync(dir, { recursive: true, force: true });
