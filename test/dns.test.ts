import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { defaultConfig } from '../src/config/index.ts';
import { dnsRecords, formatZone, type DnsRecord } from '../src/dns/records.ts';
import { daneEeRecord } from '../src/tls/tlsa.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { createStoreIn } from './helpers/store.ts';
import { TestCa } from './helpers/test-ca.ts';

test('mailfold dns prints every record for a local domain, as zone lines and as JSON', async (t) => {
  const cwd = tempDir(t);
  writeFileSync(join(cwd, 'mailfold.toml'), 'hostname = "mail.example.org"\n[dns]\nipv4 = "192.0.2.10"\nipv6 = "2001:db8::10"\n[listeners.pop3]\nenabled = false\n');
  await createStoreIn(join(cwd, 'data'));
  assert.equal((await runCli(['domain', 'add', 'example.org'], { cwd })).code, 0);
  assert.equal((await runCli(['dkim', 'generate', 'example.org', '--suffix', 'test'], { cwd })).code, 0);

  const json = await runCli(['--json', 'dns', 'Example.ORG'], { cwd });
  assert.equal(json.code, 0, json.stderr);
  const records = JSON.parse(json.stdout) as DnsRecord[];
  const find = (name: string, type: string) => records.filter((r) => r.name === name && r.type === type).map((r) => r.value);
  assert.deepEqual(find('example.org.', 'MX'), ['10 mail.example.org.']);
  assert.deepEqual(find('mail.example.org.', 'A'), ['192.0.2.10']);
  assert.deepEqual(find('mail.example.org.', 'AAAA'), ['2001:db8::10']);
  assert.deepEqual(find('example.org.', 'TXT'), ['"v=spf1 mx -all"']);
  assert.deepEqual(find('_dmarc.example.org.', 'TXT'), ['"v=DMARC1; p=none; rua=mailto:postmaster@example.org"']);
  assert.match(find('_mta-sts.example.org.', 'TXT')[0]!, /^"v=STSv1; id=[0-9a-f]{16}"$/);
  assert.deepEqual(find('_smtp._tls.example.org.', 'TXT'), ['"v=TLSRPTv1; rua=mailto:postmaster@example.org"']);
  assert.deepEqual(find('_submissions._tcp.example.org.', 'SRV'), ['0 1 2465 mail.example.org.']);
  assert.deepEqual(find('_submission._tcp.example.org.', 'SRV'), ['10 1 2587 mail.example.org.']);
  assert.deepEqual(find('_imaps._tcp.example.org.', 'SRV'), ['0 1 2993 mail.example.org.']);
  assert.deepEqual(find('_pop3s._tcp.example.org.', 'SRV'), ['0 1 2995 mail.example.org.']);
  assert.deepEqual(find('_pop3._tcp.example.org.', 'SRV'), ['0 0 0 .'], 'a disabled service is published as not offered');
  assert.deepEqual(find('_sieve._tcp.example.org.', 'SRV'), ['0 1 24190 mail.example.org.'], 'ManageSieve (RFC 5804 1.8)');
  for (const name of ['autoconfig', 'autodiscover', 'mta-sts']) assert.deepEqual(find(`${name}.example.org.`, 'CNAME'), ['mail.example.org.']);
  assert.ok(records.every((r) => !r.placeholder));
  // The keys `dkim generate` made, as `dkim show` prints them.
  assert.match(find('mf-ed-test._domainkey.example.org.', 'TXT')[0]!, /^"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/=]+"$/);
  assert.match(find('mf-rsa-test._domainkey.example.org.', 'TXT')[0]!, /^"v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]+" "[A-Za-z0-9+/="]/);

  const zone = await runCli(['dns', 'example.org'], { cwd });
  assert.equal(zone.code, 0);
  const lines = zone.stdout.trimEnd().split('\n').filter((l) => !l.startsWith(';'));
  assert.equal(lines.length, records.length);
  for (const line of lines) assert.match(line, /^\S+\.\s+3600 IN (MX|A|AAAA|TXT|SRV|CNAME)\s+\S/);

  const unknown = await runCli(['dns', 'other.example'], { cwd });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^mailfold: other\.example is not a domain of this server/);
  const bad = await runCli(['dns', 'not a domain'], { cwd });
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /not a valid domain name/);
});

test('DNS records: placeholder address, long DKIM keys split into TXT strings, the MTA-STS id follows the policy', () => {
  const config = defaultConfig('system');
  config.hostname = 'mx.example.net';
  const key = 'A'.repeat(400);
  const records = dnsRecords('example.net', config, [{ selector: 'mf2026', algorithm: 'rsa', publicKey: key }]);
  const a = records.find((r) => r.type === 'A')!;
  assert.equal(a.placeholder, true);
  assert.match(formatZone(records), /REPLACE THE PLACEHOLDER\nmx\.example\.net\.\s+3600 IN A\s+PUBLIC-IPV4-ADDRESS/);
  const dkim = records.find((r) => r.name === 'mf2026._domainkey.example.net.')!;
  const strings = [...dkim.value.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(strings.length > 1 && strings.every((s) => s.length <= 255));
  assert.equal(strings.join(''), `v=DKIM1; k=rsa; p=${key}`);
  assert.ok(records.some((r) => r.value === '0 1 993 mx.example.net.'), 'standard ports in the system profile');

  const id = (r: DnsRecord[]) => r.find((x) => x.name.startsWith('_mta-sts.'))!.value;
  assert.equal(id(dnsRecords('example.net', config)), id(records));
  config.mta_sts.mode = 'enforce';
  assert.notEqual(id(dnsRecords('example.net', config)), id(records));
});

test('mailfold dns with DANE on prints the TLSA record of the certificate\'s key, a placeholder before there is one', async (t) => {
  const cwd = tempDir(t);
  writeFileSync(join(cwd, 'mailfold.toml'), 'hostname = "mail.example.org"\n[dns]\nipv4 = "192.0.2.10"\n[smtp.dane]\nenabled = true\n');
  await createStoreIn(join(cwd, 'data'));
  assert.equal((await runCli(['domain', 'add', 'example.org'], { cwd })).code, 0);
  const tlsa = async () => (JSON.parse((await runCli(['--json', 'dns', 'example.org'], { cwd })).stdout) as DnsRecord[]).filter((r) => r.type === 'TLSA');
  const before = await tlsa();
  assert.deepEqual(before.map((r) => [r.name, r.value, r.placeholder]), [['_25._tcp.mail.example.org.', '3 1 1 SHA-256-OF-THE-CERTIFICATE-KEY', true]]);

  const ca = await TestCa.create();
  const cert = await ca.issue(['mail.example.org']);
  writeFileSync(join(cwd, 'cert.pem'), cert.certPem);
  writeFileSync(join(cwd, 'key.pem'), cert.keyPem);
  const imported = await runCli(['cert', 'import', join(cwd, 'cert.pem'), join(cwd, 'key.pem')], { cwd });
  assert.equal(imported.code, 0, imported.stderr);
  const [record] = await tlsa();
  assert.equal(record!.value, daneEeRecord(cert.certPem));
  assert.equal(record!.placeholder, undefined);
  const zone = (await runCli(['dns', 'example.org'], { cwd })).stdout;
  assert.match(zone, /; DANE: the key of this server's certificate; only in a DNSSEC-signed zone\. Renewals keep the key while DANE is on; before changing the key, publish the new key's record beside this one.*\n_25\._tcp\.mail\.example\.org\.\s+3600 IN TLSA\s+3 1 1 [0-9a-f]{64}\n/);
});
