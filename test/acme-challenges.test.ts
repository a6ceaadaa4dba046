/**
 * The ACME challenge answers through the store (src/tls/challenges.ts, alpn-challenge.ts):
 * two AcmeChallenges on one store stand for two nodes, node A ordering and node B answering.
 * A TLS server with B's callbacks gives a TLS 1.3 validation the certificate A published,
 * refuses one of a name nobody orders, and never gives an ordinary handshake a challenge
 * certificate; over TLS 1.2, where the certificate is chosen before the offer is seen, only
 * the ordering node answers. (Pebble and two real nodes: postgres-two-nodes-acme.test.ts.)
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { connect as tlsConnect, createServer, type SecureVersion } from 'node:tls';
import { openLevelStore } from '../src/store/level/store.ts';
import { alpnChallengeCallbacks } from '../src/tls/alpn-challenge.ts';
import { AcmeChallenges } from '../src/tls/challenges.ts';
import { TLS_POLICY } from '../src/tls/context.ts';
import { createSelfSigned } from '../src/tls/self-signed.ts';
import { tempDir } from './helpers/env.ts';

const NAME = 'mail.example.org';

/** A TLS server serving `served` with `challenges`' callbacks, as the HTTPS listener does. */
async function tlsServer(t: TestContext, challenges: AcmeChallenges, served: { keyPem: string; certPem: string }): Promise<number> {
  const server = createServer({ key: served.keyPem, cert: served.certPem, ...TLS_POLICY, ...alpnChallengeCallbacks(challenges, 'http/1.1') }, (socket) => socket.end());
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return (server.address() as AddressInfo).port;
}

/** A handshake offering `protocols`: the protocol agreed and the certificate served, or null when it is refused. */
function handshake(port: number, servername: string, protocols: string[], version: SecureVersion): Promise<{ protocol: string | false | null; fingerprint: string } | null> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ALPNProtocols: protocols, rejectUnauthorized: false, minVersion: version, maxVersion: version }, () => {
      resolve({ protocol: socket.alpnProtocol, fingerprint: new X509Certificate(socket.getPeerX509Certificate()!.raw).fingerprint256 });
      socket.destroy();
    });
    socket.once('error', () => resolve(null));
  });
}

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

async function twoNodes(t: TestContext) {
  const store = await openLevelStore(tempDir(t), { sync: false, chunkSize: 65536 });
  t.after(() => store.close());
  const [served, challenge] = await Promise.all([createSelfSigned(NAME), createSelfSigned(NAME)]);
  const a = new AcmeChallenges(store);
  const b = new AcmeChallenges(store);
  return { store, served, challenge, a, b, portA: await tlsServer(t, a, served), portB: await tlsServer(t, b, served) };
}

test('TLS 1.3: node B serves the challenge certificate node A published to a validation, and to nothing else', async (t) => {
  const { served, challenge, a, portB } = await twoNodes(t);
  assert.equal(await handshake(portB, NAME, ['acme-tls/1'], 'TLSv1.3'), null, 'no validation under way: refused');

  await a.setAlpn(NAME.toUpperCase(), challenge.keyPem, challenge.certPem);
  assert.deepEqual(await handshake(portB, NAME, ['acme-tls/1'], 'TLSv1.3'), { protocol: 'acme-tls/1', fingerprint: fingerprint(challenge.certPem) });
  assert.deepEqual(await handshake(portB, NAME, ['http/1.1'], 'TLSv1.3'), { protocol: 'http/1.1', fingerprint: fingerprint(served.certPem) }, 'an ordinary client gets the served certificate');
  assert.deepEqual(await handshake(portB, 'other.example.org', ['acme-tls/1'], 'TLSv1.3'), null, 'another name: refused');
  assert.deepEqual(
    await handshake(portB, 'other.example.org', ['acme-tls/1', 'http/1.1'], 'TLSv1.3'),
    { protocol: 'http/1.1', fingerprint: fingerprint(served.certPem) },
    'a client offering more than acme-tls/1 is an ordinary one',
  );

  await a.removeAlpn(NAME);
  assert.equal(await handshake(portB, NAME, ['acme-tls/1'], 'TLSv1.3'), null, 'withdrawn: refused');
});

test('TLS 1.2: the ordering node answers from its own order; another node does not read the store before the offer is known', async (t) => {
  const { served, challenge, a, portA, portB } = await twoNodes(t);
  await a.setAlpn(NAME, challenge.keyPem, challenge.certPem);
  assert.deepEqual(await handshake(portA, NAME, ['acme-tls/1'], 'TLSv1.2'), { protocol: 'acme-tls/1', fingerprint: fingerprint(challenge.certPem) });
  assert.deepEqual(await handshake(portA, NAME, ['acme-tls/1'], 'TLSv1.3'), { protocol: 'acme-tls/1', fingerprint: fingerprint(challenge.certPem) });
  assert.equal(await handshake(portB, NAME, ['acme-tls/1'], 'TLSv1.2'), null);
  assert.deepEqual(await handshake(portB, NAME, ['http/1.1'], 'TLSv1.2'), { protocol: 'http/1.1', fingerprint: fingerprint(served.certPem) });
  await a.removeAlpn(NAME);
  assert.equal(await handshake(portA, NAME, ['acme-tls/1'], 'TLSv1.2'), null);
});

test('HTTP-01: a key authorization one node published is read by another until withdrawn; names that are no DNS name are never looked up', async (t) => {
  const { store, a, b } = await twoNodes(t);
  assert.equal(await b.http('tok'), null);
  await a.setHttp('tok', 'tok.thumbprint');
  assert.equal(await b.http('tok'), 'tok.thumbprint');
  await a.removeHttp('tok');
  assert.equal(await b.http('tok'), null);

  // Stored under a key no SNI can reach: a name with characters a DNS name has not.
  await store.putAcmeChallenge('tls-alpn-01:bad_name', '{}', Date.now(), Date.now() + 60_000);
  assert.equal(await b.alpn('bad_name'), undefined);
});
