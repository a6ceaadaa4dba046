/**
 * Migration of a layout-1 store: `node bench/migrate.ts [--messages 10000]`.
 * Writes the store the old releases left (test/fixtures/v1-store.ts: 4-digit
 * synthetic messages, about 400 bytes each, every tenth expunged) and runs
 * `mailfold store migrate` on it (fsync on), timed, its peak RSS read by GNU time (`%M`).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { hashPassword } from '../src/auth/password.ts';
import { writeV1Store } from '../test/fixtures/v1-store.ts';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '10000' } } });
const count = Number(values.messages);
const BIN = new URL('../bin/mailfold.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'mf-bench-migrate-'));

try {
  const { bodies } = await writeV1Store(dir, { corpus: false, synthetic: count, passwordHash: await hashPassword('correct horse battery') });
  const started = process.hrtime.bigint();
  const quoted = [process.execPath, BIN, '--data-dir', dir, 'store', 'migrate'].map((a) => `'${a}'`).join(' ');
  const err = execFileSync('sh', ['-c', `/usr/bin/time -f 'peak-rss-kb %M' ${quoted} 2>&1 >/dev/null | tail -1`], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const peak = Number(/peak-rss-kb (\d+)/.exec(err)?.[1] ?? 0) / 1024;
  console.log(`| bodies | time | bodies/s | peak RSS |\n| --- | --- | --- | --- |\n| ${bodies} | ${seconds.toFixed(1)} s | ${(bodies / seconds).toFixed(0)} | ${peak.toFixed(0)} MB |`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
