import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { defaultConfig } from '../src/config/index.ts';
import { runnerSettings } from '../src/queue/settings.ts';
import type { TlsaData } from '../src/net/dns-wire.ts';
import { checkChain, usable } from '../src/queue/dane.ts';
import { daneEeRecord } from '../src/tls/tlsa.ts';
import { TestCa } from './helpers/test-ca.ts';

const digest = (algorithm: 'sha256' | 'sha512', bytes: Buffer) => createHash(algorithm).update(bytes).digest();
const spki = (cert: X509Certificate) => cert.publicKey.export({ type: 'spki', format: 'der' });
const record = (usage: number, selector: number, matching: number, data: Buffer): TlsaData => ({ usage, selector, matching, data });

test('DANE rules: which records are usable, and how each usage matches a chain', async () => {
  const ca = await TestCa.create();
  const other = await TestCa.create();
  const issued = await ca.issue(['mx.example.test']);
  const leaf = new X509Certificate(issued.certPem);
  const root = new X509Certificate(ca.certPem);
  const chain = [leaf, root];

  // Usable: DANE-TA and DANE-EE, selectors 0/1, matching 0/1/2 with digests of the right size.
  assert.equal(usable(record(3, 1, 1, digest('sha256', spki(leaf)))), true);
  assert.equal(usable(record(2, 0, 2, digest('sha512', root.raw))), true);
  assert.equal(usable(record(3, 0, 0, leaf.raw)), true);
  assert.equal(usable(record(1, 1, 1, digest('sha256', spki(leaf)))), false, 'PKIX-EE is not for SMTP');
  assert.equal(usable(record(0, 1, 1, digest('sha256', spki(root)))), false, 'PKIX-TA is not for SMTP');
  assert.equal(usable(record(3, 2, 1, digest('sha256', spki(leaf)))), false);
  assert.equal(usable(record(3, 1, 3, digest('sha256', spki(leaf)))), false);
  assert.equal(usable(record(3, 1, 1, Buffer.alloc(31))), false, 'a SHA-256 of the wrong length');
  assert.equal(usable(record(3, 1, 0, Buffer.alloc(0))), false);

  // DANE-EE: every selector and matching type; the name and dates are not looked at.
  for (const r of [record(3, 1, 1, digest('sha256', spki(leaf))), record(3, 0, 1, digest('sha256', leaf.raw)), record(3, 1, 2, digest('sha512', spki(leaf))), record(3, 0, 0, leaf.raw)]) {
    assert.deepEqual(checkChain([r], chain, 'another.name.test', new Date(Date.UTC(2001, 0, 1))).ok, true, `${r.usage} ${r.selector} ${r.matching}`);
  }
  const wrong = checkChain([record(3, 1, 1, digest('sha256', spki(root)))], chain, 'mx.example.test');
  assert.equal(wrong.ok, false);
  assert.match((wrong as { reason: string }).reason, new RegExp(`no TLSA record matches the certificate \\(its key is 3 1 1 ${digest('sha256', spki(leaf)).toString('hex')}\\)`));
  assert.equal(daneEeRecord(issued.certPem), `3 1 1 ${digest('sha256', spki(leaf)).toString('hex')}`);

  // DANE-TA: the trust anchor in the chain, the leaf signed by it, current and naming the MX host.
  const ta = record(2, 1, 1, digest('sha256', spki(root)));
  assert.equal(checkChain([ta], chain, 'mx.example.test').ok, true);
  assert.match((checkChain([ta], chain, 'other.example.test') as { reason: string }).reason, /does not name other\.example\.test/);
  assert.match((checkChain([ta], chain, 'mx.example.test', new Date(Date.now() + 365 * 86400_000)) as { reason: string }).reason, /expired or not yet valid/);
  assert.equal(checkChain([ta], [leaf], 'mx.example.test').ok, false, 'the anchor must be in the chain the server sent');
  assert.equal(checkChain([record(2, 1, 1, digest('sha256', spki(leaf)))], chain, 'mx.example.test').ok, false, 'DANE-TA does not match the leaf itself');
  // A chain whose "anchor" did not sign the leaf: another CA's certificate sent along.
  const foreign = new X509Certificate(other.certPem);
  const forged = checkChain([record(2, 1, 1, digest('sha256', spki(foreign)))], [leaf, foreign], 'mx.example.test');
  assert.match((forged as { reason: string }).reason, /not signed by the next/);
  assert.equal(checkChain([ta], [], 'mx.example.test').ok, false);
});

test('DANE settings: a validating resolver off loopback is warned about; DANE off builds no resolver', () => {
  const warnings = (resolver: string, enabled = true) => {
    const lines: string[] = [];
    const config = defaultConfig('system');
    config.smtp.dane = { enabled, resolver };
    const settings = runnerSettings(config, {} as Parameters<typeof runnerSettings>[1], pino({ level: 'warn' }, { write: (l: string) => lines.push(l) }));
    return { dane: settings.dane?.server, warned: lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
  };
  assert.deepEqual(warnings('127.0.0.1:53'), { dane: '127.0.0.1:53', warned: [] });
  assert.deepEqual(warnings('[::1]:5353'), { dane: '[::1]:5353', warned: [] });
  const remote = warnings('192.0.2.53');
  assert.equal(remote.dane, '192.0.2.53');
  assert.match(remote.warned[0]!, /not on loopback; its AD bit crosses a network that could forge it/);
  assert.deepEqual(warnings('192.0.2.53', false), { dane: undefined, warned: [] });
});
