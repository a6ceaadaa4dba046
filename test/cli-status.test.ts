import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { VERSION } from '../src/version.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { serveOnFreePorts } from './helpers/serve.ts';
import { requireTool } from './helpers/smtp.ts';

const run = promisify(execFile);

test('status reports a running server through the control socket, and says when none runs', async (t) => {
  const dir = tempDir(t);
  const config = join(dir, 'mailfold.toml');
  const cli = (args: string[]) => runCli(['--config', config, ...args], { cwd: dir });

  const none = await runCli(['--data-dir', join(dir, 'data'), 'status'], { cwd: dir });
  assert.equal(none.code, 1);
  assert.equal(none.stderr, `mailfold: not running: no server answers on ${join(dir, 'data')}/control.sock\n`);

  const served = await serveOnFreePorts(t, dir);
  const json = await cli(['--json', 'status']);
  assert.equal(json.code, 0, json.stderr);
  const status = JSON.parse(json.stdout);
  assert.equal(status.version, VERSION);
  assert.equal(status.configFile, config);
  assert.equal(status.dataDir, join(dir, 'data'));
  assert.ok(status.storeBytes > 0);
  assert.ok(status.uptimeSeconds >= 0);
  assert.ok(Date.parse(status.startedAt) <= Date.now());
  for (const [name, port] of Object.entries(served.ports)) assert.equal(status.listeners[name], `127.0.0.1:${port}`);

  const human = await cli(['status']);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^mailfold ${VERSION.replace(/\./g, '\\.')}, running for (\\d+[dhms] ?)+ \\(pid ${status.pid},`));
  assert.match(human.stdout, new RegExp(`^imaps\\s+127\\.0\\.0\\.1:${served.ports.imaps}$`, 'm'));
  assert.match(human.stdout, /^connections: {2}\d+ open$/m);
  assert.equal(status.queued, 0);
  assert.equal(status.certificate.source, 'self-signed');
  assert.ok(Date.parse(status.certificate.notAfter) > Date.now());
  assert.match(human.stdout, /^queue: {8}0 messages to send$/m);
  assert.match(human.stdout, new RegExp(`^certificate: {2}self-signed, valid until ${status.certificate.notAfter}$`, 'm'));
});

test('status counts open client connections', async (t) => {
  const dir = tempDir(t);
  const { ports, config } = await serveOnFreePorts(t, dir);
  const socket = connect(ports.pop3, '127.0.0.1');
  t.after(() => socket.destroy());
  await new Promise((resolve) => socket.once('data', resolve));
  const status = JSON.parse((await runCli(['--config', config, '--json', 'status'], { cwd: dir })).stdout);
  assert.equal(status.connections, 1);
});

test('--version, help COMMAND, and bash completion', async (t) => {
  const dir = tempDir(t);
  assert.equal((await runCli(['--version'], { cwd: dir })).stdout, `${VERSION}\n`);
  const help = await runCli(['help', 'user', 'add'], { cwd: dir });
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: mailfold user add \[options\] <address>/);
  assert.match((await runCli(['help', 'init'], { cwd: dir })).stdout, /--password-stdin/);
  const unknown = await runCli(['help', 'user', 'frob'], { cwd: dir });
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'mailfold: no such command: user frob (see mailfold help)\n');
  const zsh = await runCli(['completion', 'zsh'], { cwd: dir });
  assert.equal(zsh.code, 1);
  assert.match(zsh.stderr, /^mailfold: no completion for "zsh"; supported: bash\n$/);

  if (!requireTool(t, 'bash')) return;
  const script = (await runCli(['completion', 'bash'], { cwd: dir })).stdout;
  // Real bash, as it completes: COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY read.
  const complete = async (...words: string[]) => {
    const program = `${script}\nCOMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _mailfold; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const { stdout } = await run('bash', ['-c', program, 'bash', 'mailfold', ...words], { cwd: dir });
    return stdout.split('\n').filter(Boolean).sort();
  };
  assert.deepEqual(await complete('us'), ['user']);
  assert.deepEqual(await complete('user', ''), ['--help', 'add', 'admin', 'app-password', 'disable', 'enable', 'list', 'passwd', 'quota', 'remove', 'show']);
  assert.deepEqual(await complete('--config', 'x.toml', 'user', 'a'), ['add', 'admin', 'app-password']);
  assert.deepEqual(await complete('user', 'add', '--q'), ['--quota-bytes', '--quota-messages']);
  assert.deepEqual(await complete('st'), ['status', 'store']);
  assert.deepEqual(await complete('nonsense', ''), []);
});
