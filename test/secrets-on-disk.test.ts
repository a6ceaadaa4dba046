import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { probeFailure } from '../src/admin/control-client.ts';
import { BIN, runCli, tempDir } from './helpers/env.ts';
import { serveOnFreePorts } from './helpers/serve.ts';

/** Every path under `dir` (itself included) whose mode lets group or others in, with that mode. */
function openToOthers(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) found.push(`${path} ${mode.toString(8)}`);
    if (statSync(path).isDirectory()) for (const entry of readdirSync(path)) walk(join(path, entry));
  };
  walk(dir);
  return found;
}

test('serve makes the data dir 0700 and every file in it private, even under umask 000', async (t) => {
  const dir = tempDir(t);
  const previous = process.umask(0);
  let served;
  try {
    served = await serveOnFreePorts(t, dir);
  } finally {
    process.umask(previous);
  }
  const data = join(dir, 'data');
  // The account's hash, the DKIM key and the certificate's private key are all in the store by now.
  const cli = (args: string[], input = '') => runCli(['--config', served.config, ...args], { cwd: dir, input });
  for (const result of [await cli(['domain', 'add', 'example.org']), await cli(['user', 'add', 'alice@example.org', '--password-stdin'], 'correct horse battery\n')]) {
    assert.equal(result.code, 0, result.stderr);
  }
  assert.equal(statSync(data).mode & 0o777, 0o700);
  assert.deepEqual(openToOthers(data), []);
});

test('serve refuses a data dir that other users may read, with one line saying how to fix it', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  mkdirSync(data);
  chmodSync(data, 0o755);
  const result = await runCli(['--data-dir', data, 'serve'], { cwd: dir });
  assert.equal(result.code, 1);
  assert.equal(result.stderr, `mailfold: the data dir ${data} is open to other users (mode 0755) and holds mail and private keys: run chmod 700 ${data}\n`);
  assert.deepEqual(readdirSync(data), [], 'nothing was created in it');
  chmodSync(data, 0o770);
  assert.match((await runCli(['--data-dir', data, 'user', 'list'], { cwd: dir })).stderr, /mode 0770\).*chmod 700/, 'the CLI that opens the store itself refuses too');
});

test('the CLI says "permission denied" when it may not use the control socket, not "not running"', async (t) => {
  const dir = tempDir(t);
  const served = await serveOnFreePorts(t, dir);
  const data = join(dir, 'data');
  const socket = join(data, 'control.sock');
  // Root passes every permission check, so as root the CLI runs as nobody; otherwise the socket is closed to its owner.
  const asRoot = process.getuid?.() === 0;
  if (!asRoot) chmodSync(socket, 0o000);
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, [BIN, '--data-dir', data, 'status'], {
      cwd: '/',
      env: { PATH: process.env.PATH ?? '', MAILFOLD_CONFIG: '' },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    }, (err, _stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr }));
  });
  assert.equal(result.stderr, `mailfold: permission denied on the control socket ${socket}: run as the user that runs the server\n`);
  assert.equal(result.code, 1);
  assert.equal(served.child.exitCode, null, 'the server still runs');
});

test('probeFailure: EACCES and EPERM are "permission denied", a missing or dead socket means no server', () => {
  const err = (code: string) => Object.assign(new Error(code), { code });
  for (const code of ['EACCES', 'EPERM']) {
    const failure = probeFailure(err(code), '/srv/mail/control.sock');
    assert.equal(failure?.message, 'permission denied on the control socket /srv/mail/control.sock: run as the user that runs the server');
    assert.equal(failure?.code, 'denied');
  }
  for (const code of ['ENOENT', 'ECONNREFUSED']) assert.equal(probeFailure(err(code), '/x'), null);
});
