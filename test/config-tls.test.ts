import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig, showConfig } from '../src/config/index.ts';

const root = mkdtempSync(join(tmpdir(), 'mailfold-config-tls-'));
after(() => rmSync(root, { recursive: true, force: true }));

function load(text: string) {
  const dir = mkdtempSync(join(root, 'case-'));
  writeFileSync(join(dir, 'mailfold.toml'), text);
  return { dir, config: () => loadConfig({ profile: 'system', file: join(dir, 'mailfold.toml'), env: {}, cwd: root }) };
}

function problems(text: string): string[] {
  try {
    load(text).config();
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}

test('TLS, ACME, MTA-STS and DNS keys: defaults, relative paths, masked secret', () => {
  const defaults = load('').config();
  assert.deepEqual(defaults.acme, { enabled: false, directory: 'letsencrypt', challenge: 'http-01' });
  assert.deepEqual(defaults.mta_sts, { mode: 'testing', max_age: 604800 });
  assert.deepEqual(defaults.tls, {});
  assert.deepEqual(defaults.dns, { servers: [] });

  const { dir, config } = load(`
[tls]
cert_file = "certs/fullchain.pem"
key_file = "/etc/ssl/private/mail.key"
[acme]
enabled = true
directory = "https://acme.example/directory"
email = "postmaster@example.org"
challenge = "tls-alpn-01"
eab_kid = "kid-1"
eab_hmac_key = "c2VjcmV0"
ca_file = "ca.pem"
[mta_sts]
mode = "enforce"
max_age = 86400
[dns]
ipv4 = "192.0.2.10"
ipv6 = "2001:db8::10"
`);
  const c = config();
  assert.deepEqual(c.tls, { cert_file: join(dir, 'certs/fullchain.pem'), key_file: '/etc/ssl/private/mail.key' });
  assert.equal(c.acme.ca_file, join(dir, 'ca.pem'));
  assert.equal(c.acme.challenge, 'tls-alpn-01');
  assert.equal(c.mta_sts.mode, 'enforce');
  assert.equal(c.dns.ipv6, '2001:db8::10');
  const shown = showConfig(c);
  assert.ok(!shown.includes('c2VjcmV0'), 'the EAB key is masked');
  assert.match(shown, /eab_hmac_key = "\*{8}"/);
});

test('bad TLS and ACME values give one line each', () => {
  assert.deepEqual(
    problems(`
[tls]
cert_file = "a.pem"
[acme]
directory = "ftp://x"
challenge = "dns-01"
[mta_sts]
mode = "strict"
max_age = 5
[dns]
ipv4 = "2001:db8::1"
`),
    [
      'tls.key_file: is missing; cert_file and key_file are given together or not at all',
      'acme.directory: must be "letsencrypt", "letsencrypt-staging" or a directory URL starting with https://',
      'acme.challenge: must be one of "http-01", "tls-alpn-01"; got "dns-01"',
      'mta_sts.mode: must be one of none, testing, enforce; got "strict"',
      'mta_sts.max_age: expected an integer from 86400 to 31557600, got 5',
      'dns.ipv4: expected an IPv4 address like "192.0.2.10"',
    ],
  );
  assert.deepEqual(problems('[acme]\neab_hmac_key = "k"\n'), [
    'acme.eab_kid: is missing; eab_kid and eab_hmac_key are given together or not at all (External Account Binding)',
  ]);
});
