import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { tempDir } from './helpers/env.ts';
import { addAccount, PASSWORD, serverCa, startSieveServer } from './helpers/managesieve.ts';
import { requireTool } from './helpers/smtp.ts';

const USER = 'alice@example.org';

/** Runs sieve-connect with the password on standard input (--passwordfd 0); resolves with its exit code and output. */
function sieveConnect(port: number, caFile: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('sieve-connect', ['--server', 'localhost', '--port', String(port), '--user', USER, '--passwordfd', '0', '--tlscafile', caFile, ...args], { stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(`${PASSWORD}\n`);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('sieve-connect uploads, lists, downloads and activates scripts over STARTTLS, and gets a broken one refused with line and column', async (t) => {
  if (!requireTool(t, 'sieve-connect')) return;
  // No plaintext login even on loopback: the client has to use STARTTLS, as from any other address.
  const { sievePort, store } = await startSieveServer(t, (c) => (c.auth.plaintext_on_loopback = false));
  const account = await addAccount(store, USER);
  const dir = tempDir(t);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, await serverCa(store));
  const script = join(dir, 'filters.sieve');
  writeFileSync(script, 'require ["fileinto", "mailbox"];\nif header :contains "list-id" "lists.example" {\n  fileinto :create "Lists";\n}\n');
  const broken = join(dir, 'broken.sieve');
  writeFileSync(broken, 'require ["fileinto"];\nif true {\n  fileinto "Lists"\n}\n');

  const upload = await sieveConnect(sievePort, ca, ['--upload', '--localsieve', script, '--remotesieve', 'filters']);
  assert.equal(upload.code, 0, upload.stderr);
  assert.equal((await sieveConnect(sievePort, ca, ['--list'])).stdout, '"filters"\n');
  assert.equal((await sieveConnect(sievePort, ca, ['--activate', '--remotesieve', 'filters'])).code, 0);
  assert.equal((await sieveConnect(sievePort, ca, ['--list'])).stdout, '"filters" ACTIVE\n');
  const download = await sieveConnect(sievePort, ca, ['--download', '--remotesieve', 'filters', '--localsieve', '-']);
  assert.match(download.stdout, /fileinto :create "Lists";/);
  assert.deepEqual((await store.getActiveSieveScript(account.id))?.name, 'filters');

  const refused = await sieveConnect(sievePort, ca, ['--upload', '--localsieve', broken, '--remotesieve', 'broken']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr + refused.stdout, /PUTSCRIPT\(broken\) failed: NO "line 4, column 1: expected \\";\\" or \\"\{\\" after fileinto/);
  assert.equal((await sieveConnect(sievePort, ca, ['--list'])).stdout, '"filters" ACTIVE\n', 'nothing was stored');
});
