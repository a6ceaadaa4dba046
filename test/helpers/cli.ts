import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { runCli, tempDir } from './env.ts';
import { createStoreIn } from './store.ts';

/** A scratch working directory with its own data dir and an empty store in it, as after `serve --create`. */
export function workspace(t: TestContext) {
  const cwd = tempDir(t);
  let created: Promise<void> | undefined;
  const cli = async (args: string[], input?: string | Buffer) => {
    await (created ??= createStoreIn(join(cwd, 'data')));
    return runCli(['--data-dir', join(cwd, 'data'), ...args], { cwd, input });
  };
  return { cwd, cli };
}

export async function ok(p: Promise<{ code: number; stdout: string; stderr: string }>) {
  const r = await p;
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r;
}

export async function fails(p: Promise<{ code: number; stdout: string; stderr: string }>, pattern: RegExp, code = 1) {
  const r = await p;
  assert.equal(r.code, code, `expected exit ${code}, got ${r.code}: ${r.stdout}${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.match(lines[0]!, pattern);
  return r;
}
