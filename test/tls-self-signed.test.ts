import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { createSelfSigned, SELF_SIGNED_DAYS } from '../src/tls/self-signed.ts';

const DAY = 86400_000;

test('the self-signed certificate is valid at most 825 days counted from its back-dated start (Apple\'s limit)', async () => {
  const now = new Date('2026-12-02T08:00:00Z');
  const x509 = new X509Certificate((await createSelfSigned('mail.example.org', now)).certPem);
  const from = Date.parse(x509.validFrom);
  const to = Date.parse(x509.validTo);
  assert.equal(SELF_SIGNED_DAYS, 825);
  assert.ok(from < now.getTime(), 'back-dated for clients whose clock runs slow');
  assert.ok(to - from <= 825 * DAY, `valid ${(to - from) / DAY} days`);
  assert.equal(x509.checkHost('mail.example.org'), 'mail.example.org');
});
