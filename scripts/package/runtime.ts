import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Arch } from './targets.ts';

/**
 * The stock Node runtime for a target, from the npm package node-linux-<arch> (the
 * registry is the one place these machines can fetch from), cached between builds.
 */
export function runtimeFor(arch: Arch, version: string, cacheRoot: string): string {
  const dir = join(cacheRoot, `node-linux-${arch}-${version}`);
  const node = join(dir, 'node');
  if (existsSync(node)) return node;
  mkdirSync(dir, { recursive: true });
  const tarball = execFileSync('npm', ['pack', `node-linux-${arch}@${version}`, '--pack-destination', dir, '--silent'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim().split('\n').pop()!;
  execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/bin/node']);
  renameSync(join(dir, 'package/bin/node'), node);
  rmSync(join(dir, 'package'), { recursive: true });
  rmSync(join(dir, tarball));
  return node;
}
