import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { NODE_FLAGS } from './node-flags.ts';
import { ADDONS, type Arch } from './targets.ts';

// The fuse the Node runtime checks to know it carries a SEA blob (Node's SEA documentation).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Makes the SEA blob for one target (the bundle plus that target's addons as assets)
 * and injects it into a copy of that target's runtime. The blob is made by this
 * process's node, which is the same version as the runtime; no code cache and no
 * snapshot, since those are specific to the machine that makes them.
 */
export function buildExecutable(opts: { root: string; arch: Arch; bundle: string; runtime: string; workDir: string; output: string }): void {
  const { root, arch, workDir } = opts;
  const blob = join(workDir, `sea-${arch}.blob`);
  const config = join(workDir, `sea-${arch}.json`);
  const assets = Object.fromEntries(Object.entries(ADDONS).map(([name, paths]) => [`${name}.node`, join(root, paths[arch])]));
  const seaConfig = { main: opts.bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, execArgv: NODE_FLAGS, assets };
  writeFileSync(config, JSON.stringify(seaConfig, null, 2));
  // Their output is progress and the LIEF warnings postject always prints; a failure's error carries it.
  execFileSync(process.execPath, ['--experimental-sea-config', config], { stdio: 'pipe' });
  copyFileSync(opts.runtime, opts.output);
  chmodSync(opts.output, 0o755);
  const postject = createRequire(import.meta.url).resolve('postject/dist/cli.js');
  execFileSync(process.execPath, [postject, opts.output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'pipe' });
}
