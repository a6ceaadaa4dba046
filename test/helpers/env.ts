import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const BIN = join(ROOT, 'bin/mailfold.js');

/**
 * `promise`, or a failure naming `what` after `ms`: a wait for an event that never comes
 * then fails with its reason rather than hang until the test's timeout.
 */
export async function within<T>(what: string, promise: Promise<T>, ms = 180_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Directories to remove when the test file's process ends. */
const leftDirs = new Set<string>();
process.once('exit', () => {
  for (const dir of leftDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fresh directory, removed when the test file's process ends. Not in `t.after`: those
 * hooks run in the order they were added, so the directory would go before the server or
 * store made after it had closed. Short, because unix socket paths are.
 */
export function tempDir(_t: TestContext, prefix = 'mf-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  leftDirs.add(dir);
  return dir;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mailfold ARGS` as a subprocess in `cwd`, as a script or a person would. */
export function runCli(args: string[], opts: { cwd: string; input?: string | Buffer; env?: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd, env: { ...process.env, MAILFOLD_CONFIG: '', MAILFOLD_DATA: '', ...opts.env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    child.stdin!.end(opts.input ?? '');
  });
}

/**
 * Starts `mailfold serve --create` (the checkout's, or the executable `exe`) and resolves once it
 * logs that it is ready; `output` is everything it printed since.
 */
export function startServe(opts: {
  cwd: string;
  args?: string[];
  env?: Record<string, string>;
  /** An executable to run instead of the checkout's bin: its path, or a command line that ends with it (an emulator's). */
  exe?: string | string[];
}): Promise<ChildProcess & { output: () => string }> {
  return new Promise((resolve, reject) => {
    const args = [...(opts.args ?? []), 'serve', '--create'];
    const [command, ...prefix] = opts.exe === undefined ? [process.execPath, BIN] : typeof opts.exe === 'string' ? [opts.exe] : opts.exe;
    const child = spawn(command!, [...prefix, ...args], {
      cwd: opts.cwd,
      env: { ...process.env, MAILFOLD_CONFIG: '', MAILFOLD_DATA: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes('mailfold ready')) resolve(Object.assign(child, { output: () => out }));
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before it was ready:\n${out}`)));
  });
}

export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Runs a test loop script (under test/helpers) and kills it with SIGKILL as soon as
 * `onLine`, called with each whole line it prints, returns true; fails if it ends otherwise.
 */
export async function runUntilKilled(script: string, args: string[], onLine: (line: string) => boolean): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'test/helpers', script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let pending = '';
  child.stdout!.on('data', (data: Buffer) => {
    pending += data.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    let enough = false;
    for (const line of lines) enough = onLine(line) || enough;
    if (enough && child.exitCode === null) child.kill('SIGKILL');
  });
  const { signal } = await exited(child);
  if (signal !== 'SIGKILL') throw new Error(`${script} ended by itself (${signal}); it only ends by being killed`);
}
