import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { backoffMs, renewAt } from '../src/tls/renewal.ts';
import type { TlsProvider } from '../src/tls/context.ts';
import { createSelfSigned } from '../src/tls/self-signed.ts';
import { exited, runCli, startServe, tempDir } from './helpers/env.ts';
import { freePort } from './helpers/pebble.ts';
import { startFullServer } from './helpers/http.ts';
import { createStoreIn } from './helpers/store.ts';

async function servedFingerprint(port: number): Promise<string> {
  const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const fingerprint = socket.getPeerX509Certificate()!.fingerprint256;
  socket.destroy();
  return fingerprint;
}

const nextChange = (provider: TlsProvider) =>
  new Promise<void>((resolve) => {
    const stop = provider.onChange(() => {
      stop();
      resolve();
    });
  });

test('cert import serves a PEM pair at once; a pair that does not fit is refused', async (t) => {
  const { server, port, config } = await startFullServer(t);
  const dir = tempDir(t);
  const mine = await createSelfSigned('localhost');
  writeFileSync(join(dir, 'cert.pem'), mine.certPem);
  writeFileSync(join(dir, 'key.pem'), mine.keyPem);
  const other = await createSelfSigned('localhost');
  writeFileSync(join(dir, 'other-key.pem'), other.keyPem);
  writeFileSync(join(dir, 'junk.pem'), 'not a certificate');
  const cli = (...args: string[]) => runCli(['--data-dir', config.data_dir, ...args], { cwd: dir });

  const mismatch = await cli('cert', 'import', 'cert.pem', 'other-key.pem');
  assert.equal(mismatch.code, 1);
  assert.equal(mismatch.stderr, 'mailfold: the key does not belong to the certificate\n');
  assert.match((await cli('cert', 'import', 'junk.pem', 'key.pem')).stderr, /not a PEM X\.509 certificate/);
  assert.match((await cli('cert', 'import', 'missing.pem', 'key.pem')).stderr, /cannot read the certificate missing\.pem: ENOENT/);

  const imported = await cli('--json', 'cert', 'import', 'cert.pem', 'key.pem');
  assert.equal(imported.code, 0, imported.stderr);
  const expected = new X509Certificate(mine.certPem).fingerprint256;
  assert.equal(JSON.parse(imported.stdout).source, 'manual');
  for (const listener of ['imaps', 'pop3s', 'submissions', 'https'] as const) assert.equal(await servedFingerprint(port(listener)), expected, listener);
  assert.equal((await server.store.getCertificate('localhost'))?.source, 'manual', 'kept for the next start');
  const status = await cli('cert', 'status');
  assert.match(status.stdout, /^source: +manual$/m);
});

test('configured PEM files are served and reloaded on change and SIGHUP; a broken pair keeps the old one', async (t) => {
  const dir = tempDir(t);
  const first = await createSelfSigned('localhost');
  writeFileSync(join(dir, 'cert.pem'), first.certPem);
  writeFileSync(join(dir, 'key.pem'), first.keyPem);
  const { server, port } = await startFullServer(t, (c) => {
    c.tls = { cert_file: join(dir, 'cert.pem'), key_file: join(dir, 'key.pem') };
  });
  const { provider } = server.certificates;
  assert.equal(await servedFingerprint(port('imaps')), new X509Certificate(first.certPem).fingerprint256);

  // Half-written: the new certificate with the old key. Reloading keeps the served pair.
  const second = await createSelfSigned('localhost');
  writeFileSync(join(dir, 'cert.pem'), second.certPem);
  await server.reload();
  assert.equal(provider.certificate.certPem, first.certPem);

  const changed = nextChange(provider);
  writeFileSync(join(dir, 'key.pem'), second.keyPem);
  await changed;
  assert.equal(await servedFingerprint(port('imaps')), new X509Certificate(second.certPem).fingerprint256);
  assert.equal(await servedFingerprint(port('https')), new X509Certificate(second.certPem).fingerprint256);
});

test('a failed ACME order is logged, retried with backoff and shown by cert status', async (t) => {
  // A "CA" that refuses everything with an RFC 7807 problem.
  const ca = createServer((_req, res) => {
    res.writeHead(403, { 'Content-Type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'urn:ietf:params:acme:error:unauthorized', detail: 'no certificates for you' }));
  });
  await new Promise<void>((resolve) => ca.listen(0, '127.0.0.1', resolve));
  t.after(() => ca.close());
  const directory = `http://127.0.0.1:${(ca.address() as { port: number }).port}/dir`;
  const { config } = await startFullServer(t, (c) => {
    c.acme = { enabled: true, directory, challenge: 'http-01' };
  });
  const renew = await runCli(['--data-dir', config.data_dir, 'cert', 'renew'], { cwd: config.data_dir });
  assert.equal(renew.code, 1);
  assert.match(renew.stderr, /^mailfold: renewal failed: /);
  const status = JSON.parse((await runCli(['--data-dir', config.data_dir, '--json', 'cert', 'status'], { cwd: config.data_dir })).stdout);
  assert.equal(status.source, 'self-signed');
  assert.equal(status.acme.directory, directory);
  assert.ok(status.acme.failures >= 1);
  assert.ok(status.acme.lastError.length > 0);
  assert.ok(status.acme.nextAttemptAt > status.acme.lastAttemptAt);
  assert.equal(status.acme.lastSuccessAt, undefined);
});

test('renewal timing: a third of the lifetime left, backoff doubling to a day', async () => {
  const cert = await createSelfSigned('localhost', new Date('2030-01-01T00:00:00Z'));
  const x509 = new X509Certificate(cert.certPem);
  const from = new Date(x509.validFrom).getTime();
  const to = new Date(x509.validTo).getTime();
  assert.equal(renewAt(cert.certPem), to - (to - from) / 3);
  assert.deepEqual([1, 2, 3, 11, 12, 40].map(backoffMs), [60_000, 120_000, 240_000, 61_440_000, 86_400_000, 86_400_000]);
});

test('cert renew without a running server says it needs one; cert status reads the store', async (t) => {
  const cwd = tempDir(t);
  await createStoreIn(join(cwd, 'data'));
  const none = await runCli(['cert', 'status'], { cwd });
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no certificate for .* yet/);
  const renew = await runCli(['cert', 'renew'], { cwd });
  assert.equal(renew.code, 1);
  assert.match(renew.stderr, /cert renew needs the running server/);
});

test('mailfold serve re-reads the certificate files on SIGHUP and keeps running', async (t) => {
  const dir = tempDir(t);
  const first = await createSelfSigned('localhost');
  writeFileSync(join(dir, 'cert.pem'), first.certPem);
  writeFileSync(join(dir, 'key.pem'), first.keyPem);
  const imaps = await freePort();
  const off = ['smtp', 'submission', 'submissions', 'imap', 'pop3', 'pop3s', 'http', 'https', 'managesieve'].map((l) => `[listeners.${l}]\nenabled = false\n`).join('');
  writeFileSync(join(dir, 'mailfold.toml'), `hostname = "localhost"\n[tls]\ncert_file = "cert.pem"\nkey_file = "key.pem"\n[listeners.imaps]\nport = ${imaps}\n${off}`);
  const child = await startServe({ cwd: dir });
  t.after(() => {
    child.kill('SIGTERM');
  });
  assert.equal(await servedFingerprint(imaps), new X509Certificate(first.certPem).fingerprint256);

  const second = await createSelfSigned('localhost');
  writeFileSync(join(dir, 'key.pem'), second.keyPem);
  writeFileSync(join(dir, 'cert.pem'), second.certPem);
  const reloaded = new Promise<void>((resolve) => {
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('certificate files reloaded')) resolve();
    });
  });
  child.kill('SIGHUP');
  await reloaded;
  assert.equal(child.exitCode, null, 'SIGHUP does not end the server');
  assert.equal(await servedFingerprint(imaps), new X509Certificate(second.certPem).fingerprint256);
  child.kill('SIGTERM');
  assert.deepEqual(await exited(child), { code: 0, signal: null });
});
