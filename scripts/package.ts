import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundle } from './package/bundle.ts';
import { runtimeFor } from './package/runtime.ts';
import { buildExecutable } from './package/sea.ts';
import { executableName, TARGETS, type Arch } from './package/targets.ts';

/**
 * `npm run package [-- x64|arm64 ...]`: builds dist/mailfold-linux-<arch> for each
 * target (all by default), a Node single executable application per target.
 */
const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const version = pkg.devDependencies.node!;
if (process.version !== `v${version}`) {
  console.error(`package: run by node ${process.version}, but the SEA blob must be made by the runtime it goes into (${version}): use npm run package`);
  process.exit(1);
}
const asked = process.argv.slice(2);
const unknown = asked.filter((a) => !TARGETS.includes(a as Arch));
if (unknown.length) {
  console.error(`package: unknown target ${unknown.join(', ')}; targets: ${TARGETS.join(', ')}`);
  process.exit(1);
}
const targets = asked.length ? (asked as Arch[]) : TARGETS;
const dist = join(root, 'dist');
const work = join(dist, 'build');
mkdirSync(work, { recursive: true });
const bundled = join(work, 'mailfold.cjs');
await bundle(root, bundled);
for (const arch of targets) {
  const runtime = runtimeFor(arch, version, join(root, 'node_modules', '.cache', 'mailfold-runtimes'));
  const output = join(dist, executableName(arch));
  buildExecutable({ root, arch, bundle: bundled, runtime, workDir: work, output });
  const mb = (file: string) => (statSync(file).size / 1e6).toFixed(1);
  console.log(`${output}: ${mb(output)} MB (runtime ${mb(runtime)} MB)`);
}
