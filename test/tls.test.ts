import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { ensureCertificate } from '../src/tls/certificates.ts';
import { createSelfSigned } from '../src/tls/self-signed.ts';
import { testStore } from './helpers/store.ts';

const log = pino({ level: 'silent' });
const DAY = 24 * 60 * 60 * 1000;

test('the self-signed certificate is made once, kept, and remade for a new name or near its end', async (t) => {
  const { store } = await testStore(t);
  const first = await ensureCertificate(store, 'mail.example.org', log);
  const x509 = new X509Certificate(first.certPem);
  assert.equal(x509.checkHost('mail.example.org'), 'mail.example.org');
  assert.equal(x509.checkHost('other.example.org'), undefined);
  assert.ok(x509.verify(x509.publicKey), 'self-signed');
  assert.ok(x509.checkPrivateKey(createPrivateKey(first.keyPem)));
  assert.equal(x509.publicKey.asymmetricKeyDetails?.modulusLength, 2048);

  assert.deepEqual(await ensureCertificate(store, 'mail.example.org', log), first, 'kept in the store');
  assert.deepEqual(await store.getCertificate('mail.example.org'), first);

  const other = await ensureCertificate(store, '192.0.2.7', log);
  assert.equal(new X509Certificate(other.certPem).checkIP('192.0.2.7'), '192.0.2.7', 'an IP address goes in an IP SAN');

  const later = new Date(new Date(x509.validTo).getTime() - 10 * DAY);
  const renewed = await ensureCertificate(store, 'mail.example.org', log, later);
  assert.notEqual(renewed.certPem, first.certPem, 'renewed before it expires');

  // An imported (or ACME) certificate is kept until its last day: ACME, not the bootstrap, renews it.
  const imported = { ...(await createSelfSigned('mail.example.org')), source: 'manual' as const };
  await store.putCertificate('mail.example.org', imported);
  const lastWeek = new Date(new Date(new X509Certificate(imported.certPem).validTo).getTime() - 7 * DAY);
  assert.deepEqual(await ensureCertificate(store, 'mail.example.org', log, lastWeek), imported);
});
