/**
 * ACME behind a balancer (docs/scale-out.md): two `mailfold serve` nodes on one
 * PostgreSQL database, node A ordering from pebble, and pebble's validations sent to
 * node B only, which answers them from the answers A published through the store. The
 * certificate A stores is then served by both. And a stranger hammering the challenge
 * path with random and oversized tokens gets 404s and 4xx, while the node goes on serving.
 */
import assert from 'node:assert/strict';
import { randomBytes, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import postgres from 'postgres';
import type { AcmeChallenge } from '../src/config/index.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { fetchText } from './helpers/http.ts';
import { freePort, startPebble } from './helpers/pebble.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { storeToml } from './helpers/postgres-nodes.ts';
import { outputMatching, serveOnFreePorts, type Served } from './helpers/serve.ts';
import { requireTool } from './helpers/smtp.ts';

const database = postgresForFile();
const HOST = 'mail.example.org';
const DOMAIN = 'example.org';
const NAMES = [HOST, `autoconfig.${DOMAIN}`, `mta-sts.${DOMAIN}`, `autodiscover.${DOMAIN}`];

/** The certificate a new TLS connection to `port` is served for `servername`. */
async function servedCertificate(port: number, servername = HOST): Promise<X509Certificate> {
  const socket = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  const cert = new X509Certificate(socket.getPeerX509Certificate()!.raw);
  socket.destroy();
  return cert;
}

/** A TLS-ALPN-01 validation's handshake: 'answered' with acme-tls/1 negotiated, or 'refused'. */
function alpnHandshake(port: number, servername: string): Promise<'answered' | 'refused'> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ALPNProtocols: ['acme-tls/1'], rejectUnauthorized: false, minVersion: 'TLSv1.3' }, () => {
      resolve(socket.alpnProtocol === 'acme-tls/1' ? 'answered' : 'refused');
      socket.destroy();
    });
    socket.once('error', () => resolve('refused'));
  });
}

/** `count` calls of `fn`, `width` at a time; their results. */
async function inParallel<T>(count: number, width: number, fn: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let started = 0;
  const worker = async () => {
    while (started < count) {
      const i = started++;
      out[i] = await fn();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return out;
}

const webListeners = async () => ({ hostname: HOST, http: await freePort(), https: await freePort() });

/**
 * Node B (no ACME of its own) on the ports pebble validates at, then node A ordering
 * with `challenge` on ports pebble never sees; resolves once A's order is over.
 */
async function orderOnAValidatedOnB(t: TestContext, url: string, challenge: AcmeChallenge): Promise<{ a: Served; b: Served; aWeb: { https: number }; bWeb: { http: number; https: number } }> {
  const bWeb = await webListeners();
  const pebble = await startPebble(t, { httpPort: bWeb.http, tlsPort: bWeb.https });
  t.after(() => {
    if (process.env.MAILFOLD_TEST_LOG) process.stderr.write(pebble.output());
  });
  const b = await serveOnFreePorts(t, tempDir(t), { extra: storeToml(url), web: bWeb });
  // The domain first, so that A's first order covers its service names too.
  const cli = (args: string[]) => runCli(['--config', b.config, ...args], { cwd: join(b.config, '..') });
  assert.equal((await cli(['domain', 'add', DOMAIN])).code, 0);
  const acme = `[acme]\nenabled = true\ndirectory = "${pebble.directoryUrl}"\nchallenge = "${challenge}"\nca_file = "${pebble.caFile}"\nemail = "postmaster@${DOMAIN}"\n`;
  const aWeb = await webListeners();
  const a = await serveOnFreePorts(t, tempDir(t), { extra: storeToml(url) + acme, web: aWeb });
  const outcome = await outputMatching(a, /ACME certificate installed|ACME order failed/, 0);
  assert.match(outcome, /ACME certificate installed/, `node A's order failed:\n${a.output()}\n--- node B:\n${b.output()}`);
  return { a, b, aWeb, bWeb };
}

for (const challenge of ['http-01', 'tls-alpn-01'] as const) {
  test(`node A orders, pebble's ${challenge} validations reach node B only, and both nodes serve the certificate`, async (t) => {
    if (!requireTool(t, 'pebble') || !requireTool(t, 'pebble-challtestsrv')) return;
    const url = await database(t);
    if (!url) return;
    const { a, b, aWeb, bWeb } = await orderOnAValidatedOnB(t, url, challenge);

    const answered = challenge === 'http-01' ? /ACME HTTP-01 challenge answered/g : /ACME TLS-ALPN-01 challenge answered/g;
    assert.ok((b.output().match(answered) ?? []).length >= NAMES.length, `node B answered a validation of every name:\n${b.output()}`);
    assert.doesNotMatch(a.output(), answered, 'node A was never asked');

    const issued = await servedCertificate(aWeb.https);
    assert.match(issued.issuer, /Pebble Intermediate CA/);
    for (const name of NAMES) assert.equal(issued.checkHost(name), name);
    assert.equal((await servedCertificate(a.ports.imaps)).fingerprint256, issued.fingerprint256);

    // Node B serves what A stored: on SIGHUP (else at its next check).
    const from = b.output().length;
    b.child.kill('SIGHUP');
    await outputMatching(b, /certificate renewed by another node installed/, from);
    for (const port of [bWeb.https, b.ports.imaps, b.ports.pop3s, b.ports.submissions]) {
      assert.equal((await servedCertificate(port)).fingerprint256, issued.fingerprint256, `node B's port ${port} serves A's certificate`);
    }

    // The order withdrew its answers: nothing is left for anyone to fetch.
    const db = postgres(url, { max: 1, onnotice: () => {} });
    t.after(() => db.end());
    assert.equal((await db`SELECT key FROM acme_challenges`).length, 0);
  });
}

test('a stranger hammering the challenge path with random and oversized tokens gets 404 or 4xx, and the node goes on serving', async (t) => {
  const url = await database(t);
  if (!url) return;
  const web = await webListeners();
  const node = await serveOnFreePorts(t, tempDir(t), { extra: storeToml(url), web });

  // One indexed read each: a token the route's pattern accepts and nobody published (8 at a time: 20 connections per address are let in).
  const random = await inParallel(400, 8, () => fetchText(web.http, `/.well-known/acme-challenge/${randomBytes(32).toString('base64url')}`));
  assert.deepEqual(new Set(random.map((r) => r.status)), new Set([404]));
  assert.match(random[0]!.body, /no such challenge/);

  // Longer than a token may be or not a token's characters: no route, so no read; past what a request header may carry: 431.
  const odd: [string, number][] = [
    ['a'.repeat(257), 404],
    ['a'.repeat(8000), 404],
    ['%00'.repeat(50), 404],
    ['..%2F..%2Fetc%2Fpasswd', 404],
    [`${'A'.repeat(100)}/extra`, 404],
    ['tok;en', 404],
    ['x'.repeat(20_000), 431],
  ];
  for (const [token, status] of odd) {
    const reply = await fetchText(web.http, `/.well-known/acme-challenge/${token}`);
    assert.equal(reply.status, status, `${token.slice(0, 30)}…: ${reply.body.slice(0, 80)}`);
  }
  for (const method of ['POST', 'PUT', 'DELETE']) {
    assert.equal((await fetchText(web.http, `/.well-known/acme-challenge/${randomBytes(8).toString('hex')}`, { method })).status, 405);
  }

  // TLS-ALPN-01 validations of names nobody is ordering: each handshake is refused after one read.
  let n = 0;
  const handshakes = await inParallel(100, 8, () =>
    alpnHandshake(web.https, ++n % 10 === 0 ? `${'x'.repeat(63)}.${'y'.repeat(63)}.${'z'.repeat(63)}.example` : `${randomBytes(6).toString('hex')}.example.org`),
  );
  assert.deepEqual(new Set(handshakes), new Set(['refused']));
  assert.equal((await servedCertificate(web.https)).checkHost(HOST), HOST, 'an ordinary handshake still gets the served certificate');

  assert.equal((await fetchText(web.http, '/healthz')).status, 200, 'the node still serves');
  assert.equal(node.child.exitCode, null);
  assert.doesNotMatch(node.output(), /HTTP request failed/);
});
