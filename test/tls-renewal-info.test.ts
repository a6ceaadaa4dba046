import assert from 'node:assert/strict';
import { test } from 'node:test';
import forge from 'node-forge';
import { certId, parseRenewalInfo, pickInWindow, retryAfterMs } from '../src/tls/renewal-info.ts';
import { createSelfSigned } from '../src/tls/self-signed.ts';

/** A certificate with the given serial (hex) and, optionally, an authority key identifier (hex). */
function certificate(serialHex: string, akiHex?: string): string {
  const keys = forge.pki.rsa.generateKeyPair(1024);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialHex;
  cert.validity.notBefore = new Date('2026-01-01T00:00:00Z');
  cert.validity.notAfter = new Date('2026-04-01T00:00:00Z');
  const name = [{ name: 'commonName', value: 'mail.example.org' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  if (akiHex) cert.setExtensions([{ name: 'authorityKeyIdentifier', keyIdentifier: forge.util.hexToBytes(akiHex) }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

test('ARI certID: the RFC 9773 example, and none without an authority key identifier', async () => {
  // RFC 9773 section 4.1: keyIdentifier 69:88:5B:...:D4 and serial 0x87654321, whose DER keeps a leading zero.
  assert.equal(await certId(certificate('0087654321', '69885B6B87464041E1B37B847BA0AE2CDE01C8D4')), 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE');
  assert.equal(await certId(certificate('01', 'AB')), 'qw.AQ');
  assert.equal(await certId(certificate('0087654321')), null);
  assert.equal(await certId((await createSelfSigned('mail.example.org')).certPem), null);
});

test('ARI answers: a window of two dates in order, anything else refused', () => {
  assert.deepEqual(parseRenewalInfo({ suggestedWindow: { start: '2026-03-01T00:00:00Z', end: '2026-03-03T00:00:00Z' }, explanationURL: 'https://ca.example/why' }), {
    start: Date.parse('2026-03-01T00:00:00Z'),
    end: Date.parse('2026-03-03T00:00:00Z'),
  });
  for (const bad of [
    null,
    'window',
    {},
    { suggestedWindow: null },
    { suggestedWindow: { start: '2026-03-01T00:00:00Z' } },
    { suggestedWindow: { start: 1, end: 2 } },
    { suggestedWindow: { start: 'soon', end: '2026-03-03T00:00:00Z' } },
    { suggestedWindow: { start: '2026-03-03T00:00:00Z', end: '2026-03-01T00:00:00Z' } },
    { suggestedWindow: { start: '2026-03-01T00:00:00Z', end: '2026-03-01T00:00:00Z' } },
  ]) {
    assert.equal(parseRenewalInfo(bad), null, JSON.stringify(bad));
  }
});

test('ARI timing: a moment inside the window; Retry-After kept between a minute and a day', () => {
  const window = { start: 1_000_000, end: 2_000_000 };
  assert.equal(pickInWindow(window, 0), 1_000_000);
  assert.equal(pickInWindow(window, 0.5), 1_500_000);
  assert.ok(pickInWindow(window, 0.999999) < 2_000_000);

  const now = Date.parse('2026-03-01T00:00:00Z');
  assert.equal(retryAfterMs('21600', now), 21_600_000);
  assert.equal(retryAfterMs('0', now), 60_000);
  assert.equal(retryAfterMs('9999999', now), 86_400_000);
  assert.equal(retryAfterMs('Sun, 01 Mar 2026 02:00:00 GMT', now), 7_200_000);
  assert.equal(retryAfterMs(undefined, now), 21_600_000);
  assert.equal(retryAfterMs('later', now), 21_600_000);
  assert.equal(retryAfterMs('-5', now), 21_600_000);
});
