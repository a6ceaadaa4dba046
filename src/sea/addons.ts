import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRawAsset } from 'node:sea';

/**
 * The packaged executable carries each native addon (argon2, classic-level) as a SEA
 * asset named `<name>.node`. dlopen needs a file, so the addon is written once to a
 * private cache dir, under a name made of its content hash, and loaded from there.
 */
export function loadAddon(name: string): unknown {
  const bytes = Buffer.from(getRawAsset(`${name}.node`));
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const file = join(cacheDir(), `${name}-${hash}.node`);
  // Reuse only a file whose bytes are the asset's: a stale or tampered copy is rewritten.
  if (!existsSync(file) || !readFileSync(file).equals(bytes)) {
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, bytes, { mode: 0o500 });
    renameSync(partial, file);
  }
  const module = { exports: {} as unknown };
  process.dlopen(module, file);
  return module.exports;
}

/** systemd's CacheDirectory=, then the XDG cache, then a per-user dir under the temp dir. */
function cacheDir(): string {
  const env = process.env;
  const candidates = [
    env.MAILFOLD_CACHE,
    env.CACHE_DIRECTORY?.split(':')[0],
    env.XDG_CACHE_HOME && join(env.XDG_CACHE_HOME, 'mailfold'),
    homedir() && join(homedir(), '.cache', 'mailfold'),
    join(tmpdir(), `mailfold-${process.getuid?.() ?? 'user'}`),
  ];
  const problems: string[] = [];
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const stat = lstatSync(dir);
      // A dir that someone else owns or can write to could hand us their code to load.
      if (!stat.isDirectory() || stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) {
        problems.push(`${dir}: not a private directory of this user`);
        continue;
      }
      return dir;
    } catch (err) {
      problems.push(`${dir}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no cache directory for the native addons (set MAILFOLD_CACHE):\n${problems.join('\n')}`);
}
