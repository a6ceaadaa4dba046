import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { test, type TestContext } from 'node:test';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import type { AcmeChallenge } from '../src/config/index.ts';
import { certId } from '../src/tls/renewal-info.ts';
import { daneEeRecord } from '../src/tls/tlsa.ts';
import { runCli } from './helpers/env.ts';
import { startFullServer } from './helpers/http.ts';
import { freePort, startPebble } from './helpers/pebble.ts';
import { RawImap } from './helpers/imap.ts';
import { requireTool } from './helpers/smtp.ts';

const HOST = 'mail.example.com';
const DOMAIN = 'example.com';
const NAMES = [HOST, `autoconfig.${DOMAIN}`, `mta-sts.${DOMAIN}`, `autodiscover.${DOMAIN}`];

/** The certificate a new TLS connection to `port` is served, for `servername`. */
async function servedCertificate(port: number, servername: string): Promise<X509Certificate> {
  const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const cert = new X509Certificate(socket.getPeerX509Certificate()!.raw);
  socket.destroy();
  return cert;
}

/**
 * Pebble first (it must know Mailfold's HTTP and HTTPS ports), then Mailfold with
 * ACME on; resolves once the first ACME certificate is served.
 */
async function acmeServer(t: TestContext, challenge: AcmeChallenge, dane = false) {
  const httpPort = await freePort();
  const tlsPort = await freePort();
  const pebble = await startPebble(t, { httpPort, tlsPort });
  const full = await startFullServer(t, (c) => {
    c.hostname = HOST;
    c.listeners.http.port = httpPort;
    c.listeners.https.port = tlsPort;
    c.acme = { enabled: true, directory: pebble.directoryUrl, challenge, ca_file: pebble.caFile, email: `postmaster@${DOMAIN}` };
    c.store.sync = false;
    c.smtp.dane.enabled = dane;
  }, async (store) => {
    await store.addDomain(DOMAIN);
  });
  t.after(() => {
    if (process.env.MAILFOLD_TEST_LOG) process.stderr.write(pebble.output());
  });
  const { provider } = full.server.certificates;
  if (provider.certificate.source !== 'acme') {
    await new Promise<void>((resolve) => {
      const stop = provider.onChange(() => {
        stop();
        resolve();
      });
    });
  }
  return { ...full, pebble };
}

for (const challenge of ['http-01', 'tls-alpn-01'] as const) {
  test(`an ACME certificate from pebble through ${challenge} reaches every listener`, async (t) => {
    if (!requireTool(t, 'pebble') || !requireTool(t, 'pebble-challtestsrv')) return;
    const { server, port } = await acmeServer(t, challenge);
    const cert = server.certificates.provider.x509();
    assert.match(cert.issuer, /Pebble Intermediate CA/);
    for (const name of NAMES) assert.equal(cert.checkHost(name), name);
    for (const listener of ['imaps', 'pop3s', 'submissions', 'https'] as const) {
      const served = await servedCertificate(port(listener), HOST);
      assert.equal(served.fingerprint256, cert.fingerprint256, `${listener} serves the ACME certificate`);
    }
    const status = await server.certificates.status();
    assert.equal(status.source, 'acme');
    assert.equal(status.acme?.failures, 0);
    assert.deepEqual(status.acme?.names, NAMES);
  });
}

test('a renewal reaches new connections while a connected IMAP client keeps its session', async (t) => {
  if (!requireTool(t, 'pebble') || !requireTool(t, 'pebble-challtestsrv')) return;
  const { server, port, config } = await acmeServer(t, 'http-01');
  const first = server.certificates.provider.x509();

  const imap = await RawImap.connect(port('imaps'), { tls: true });
  t.after(() => imap.close());
  const before = (imap.socket as TLSSocket).getPeerX509Certificate()!;
  assert.equal(before.fingerprint256, first.fingerprint256);

  // `mailfold cert renew` asks the running server through its control socket.
  const renew = await runCli(['--data-dir', config.data_dir, 'cert', 'renew'], { cwd: config.data_dir });
  assert.equal(renew.code, 0, renew.stderr);
  const renewed = server.certificates.provider.x509();
  assert.notEqual(renewed.fingerprint256, first.fingerprint256);

  imap.send('a1 NOOP\r\n');
  assert.match((await imap.until('a1')).at(-1)!, /^a1 OK/, 'the session opened with the old certificate goes on');
  assert.equal((await servedCertificate(port('imaps'), HOST)).fingerprint256, renewed.fingerprint256);
  // STARTTLS upgrades use the new certificate too.
  const plain = await RawImap.connect(port('imap'));
  t.after(() => plain.close());
  plain.send('s1 STARTTLS\r\n');
  assert.match((await plain.until('s1')).at(-1)!, /^s1 OK/);
  plain.socket.removeAllListeners('data');
  const upgraded = tlsConnect({ socket: plain.socket, servername: HOST, rejectUnauthorized: false });
  await once(upgraded, 'secureConnect');
  assert.equal(upgraded.getPeerX509Certificate()!.fingerprint256, renewed.fingerprint256);
  upgraded.destroy();

  const status = await runCli(['--data-dir', config.data_dir, '--json', 'cert', 'status'], { cwd: config.data_dir });
  assert.equal(status.code, 0, status.stderr);
  const parsed = JSON.parse(status.stdout);
  assert.equal(parsed.source, 'acme');
  assert.equal(parsed.fingerprint256, renewed.fingerprint256);
  assert.ok(parsed.acme.renewAt > Date.now(), 'the next renewal is when a third of the lifetime is left');
  // pebble has no renewalInfo endpoint, so the lifetime rule decides; its certificates still have an ARI identifier.
  assert.equal(parsed.acme.renewalWindow, undefined);
  assert.match((await certId(renewed.toString())) ?? '', /^[\w-]+\.[\w-]+$/);
  assert.equal((await servedCertificate(port('https'), `mta-sts.${DOMAIN}`)).fingerprint256, renewed.fingerprint256);
});

test('with DANE on, a renewal keeps the key, so the published TLSA record stays right', async (t) => {
  if (!requireTool(t, 'pebble') || !requireTool(t, 'pebble-challtestsrv')) return;
  const { server, config } = await acmeServer(t, 'http-01', true);
  const first = server.certificates.provider.certificate;
  const renew = await runCli(['--data-dir', config.data_dir, 'cert', 'renew'], { cwd: config.data_dir });
  assert.equal(renew.code, 0, renew.stderr);
  const renewed = server.certificates.provider.certificate;
  assert.notEqual(new X509Certificate(renewed.certPem).fingerprint256, new X509Certificate(first.certPem).fingerprint256);
  assert.equal(daneEeRecord(renewed.certPem), daneEeRecord(first.certPem));
  assert.equal(renewed.keyPem, first.keyPem);
  assert.equal((await server.certificates.status()).tlsa, daneEeRecord(first.certPem));
});
