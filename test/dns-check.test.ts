import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createServer as createTcpServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { defaultConfig, type Config } from '../src/config/index.ts';
import { checkDomain } from '../src/dns/check/domain.ts';
import { fetchMtaStsPolicy } from '../src/dns/check/mta-sts-policy.ts';
import type { DnsCheckReport } from '../src/dns/check/types.ts';
import { dnsRecords, type DkimPublicKey } from '../src/dns/records.ts';
import { mtaStsPolicy } from '../src/http/mta-sts.ts';
import { createResolver } from '../src/net/dns.ts';
import { createValidatingResolver } from '../src/net/validating-resolver.ts';
import { daneEeRecord } from '../src/tls/tlsa.ts';
import { startDns, type TestDns } from './helpers/dns.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { createStoreIn } from './helpers/store.ts';
import { TestCa } from './helpers/test-ca.ts';

const DKIM: DkimPublicKey[] = [{ selector: 'mf-ed-1', algorithm: 'ed25519', publicKey: 'MCowBQYDK2VwAyEAtestkey' }];

function config(): Config {
  const c = defaultConfig('system');
  c.hostname = 'mail.example.org';
  c.dns.ipv4 = '127.0.0.1';
  c.dns.ipv6 = '2001:db8::10';
  return c;
}

/** Publishes in `dns` every record `mailfold dns` prints, as a careful admin would (the A record of the names it CNAMEs too). */
function publishAll(dns: TestDns, c: Config): void {
  // TLSA records are published by the DANE test itself.
  for (const r of dnsRecords('example.org', c, DKIM)) if (r.type !== 'TLSA') dns.add(r.name, r.type, r.type === 'TXT' ? r.text! : r.value);
  dns.add('1.0.0.127.in-addr.arpa', 'PTR', 'mail.example.org');
  dns.add('0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa', 'PTR', 'mail.example.org');
  dns.add('mta-sts.example.org', 'A', '127.0.0.1');
  dns.add('example.org', 'CAA', '0 issue "letsencrypt.org"');
}

/** An HTTPS server for mta-sts.example.org, with a certificate from a test CA, serving `policy`. */
async function policyServer(t: TestContext, policy: () => string | null): Promise<{ port: number; ca: string }> {
  const ca = await TestCa.create();
  const cert = await ca.issue(['mta-sts.example.org']);
  const server = createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const body = policy();
    if (req.url !== '/.well-known/mta-sts.txt' || body === null) res.writeHead(404).end();
    else res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  return { port: (server.address() as { port: number }).port, ca: ca.certPem };
}

async function check(dns: TestDns, c: Config, https: { port: number; ca: string }): Promise<DnsCheckReport> {
  const resolve = createResolver({ servers: [dns.server], cacheMs: 0 });
  return checkDomain('example.org', c, DKIM, { resolve, fetchPolicy: (d) => fetchMtaStsPolicy(d, { resolve, port: https.port, ca: https.ca }) });
}

const byWhat = (report: DnsCheckReport) => Object.fromEntries(report.checks.map((c) => [c.what, c]));

test('dns check: every record published right is ok, the MTA-STS policy is fetched over HTTPS, TLSA is skipped with DANE off', async (t) => {
  const c = config();
  const dns = await startDns(t);
  publishAll(dns, c);
  const https = await policyServer(t, () => mtaStsPolicy(c.mta_sts.mode, c.hostname, c.mta_sts.max_age));
  const report = await check(dns, c, https);
  const notOk = report.checks.filter((x) => x.status !== 'ok' && x.status !== 'skipped');
  assert.deepEqual(notOk, []);
  assert.equal(report.ok, true);
  const checks = byWhat(report);
  for (const what of ['MX', 'A', 'AAAA', 'PTR of 127.0.0.1', 'PTR of 2001:db8::10', 'SPF', 'DKIM mf-ed-1', 'DMARC', 'MTA-STS', 'MTA-STS policy', 'TLS-RPT', 'mta-sts', 'autoconfig', 'autodiscover', 'SRV _imaps', 'SRV _autodiscover', 'CAA']) {
    assert.equal(checks[what]?.status, 'ok', what);
  }
  assert.equal(checks['TLSA']!.status, 'skipped');
  assert.match(checks['TLSA']!.note!, /DANE is off/);
  assert.deepEqual(checks['SPF']!.found, ['v=spf1 mx -all'], 'raw TXT, no zone-file quoting');
});

test('dns check: nothing published is missing, with the exact value and zone line to publish', async (t) => {
  const c = config();
  c.listeners.pop3.enabled = false;
  const dns = await startDns(t);
  dns.add('mta-sts.example.org', 'A', '127.0.0.1');
  const https = await policyServer(t, () => null);
  const report = await check(dns, c, https);
  assert.equal(report.ok, false);
  const checks = byWhat(report);
  for (const what of ['MX', 'A', 'AAAA', 'PTR of 127.0.0.1', 'SPF', 'DKIM mf-ed-1', 'DMARC', 'MTA-STS', 'MTA-STS policy', 'TLS-RPT', 'autoconfig', 'autodiscover', 'SRV _imaps']) {
    assert.equal(checks[what]?.status, 'missing', what);
  }
  assert.equal(checks['SPF']!.expected, 'v=spf1 mx -all');
  assert.equal(checks['SPF']!.zone, 'example.org. 3600 IN TXT "v=spf1 mx -all"');
  assert.equal(checks['MX']!.zone, 'example.org. 3600 IN MX 10 mail.example.org.');
  assert.equal(checks['PTR of 127.0.0.1']!.zone, '1.0.0.127.in-addr.arpa. 3600 IN PTR mail.example.org.');
  assert.match(checks['MTA-STS policy']!.note!, /HTTP 404/);
  assert.equal(checks['SRV _pop3']!.status, 'ok', 'a service that is off needs no record');
  assert.equal(checks['CAA']!.status, 'ok', 'CAA is optional');
});

test('dns check: wrong records are wrong, each with what to publish instead', async (t) => {
  const c = config();
  c.acme.enabled = true;
  c.listeners.pop3.enabled = false;
  const dns = await startDns(t, {
    'example.org': { mx: [[10, 'mx.elsewhere.example']], txt: ['v=spf1 a -all', 'unrelated=1'] },
    'mail.example.org': { a: ['192.0.2.99'] },
    'mf-ed-1._domainkey.example.org': { txt: ['v=DKIM1; k=ed25519; p=OTHERKEY'] },
    '_dmarc.example.org': { txt: ['v=DMARC1; p=sometimes'] },
    '_mta-sts.example.org': { txt: ['v=STSv1; id=old'] },
    '_smtp._tls.example.org': { txt: ['v=TLSRPTv1;'] },
    'mta-sts.example.org': { a: ['127.0.0.1'] },
    'autoconfig.example.org': { a: ['192.0.2.200'] },
  });
  dns.add('_dmarc.example.org', 'TXT', 'v=DMARC1; p=none');
  dns.add('_imaps._tcp.example.org', 'SRV', '0 1 143 mail.example.org');
  dns.add('_pop3._tcp.example.org', 'SRV', '0 1 110 mail.example.org');
  dns.add('autodiscover.example.org', 'CNAME', 'outlook.elsewhere.example');
  dns.add('example.org', 'CAA', '0 issue "pki.goog"');
  dns.add('99.2.0.192.in-addr.arpa', 'PTR', 'dsl-192-0-2-99.isp.example');
  const https = await policyServer(t, () => 'version: STSv1\nmode: enforce\nmx: mx.elsewhere.example\nmax_age: 86400\n');
  const report = await check(dns, c, https);
  const checks = byWhat(report);
  for (const what of ['MX', 'A', 'SPF', 'DKIM mf-ed-1', 'DMARC', 'MTA-STS', 'MTA-STS policy', 'TLS-RPT', 'autoconfig', 'autodiscover', 'SRV _imaps', 'SRV _pop3', 'CAA']) {
    assert.equal(checks[what]?.status, 'wrong', what);
  }
  assert.match(checks['DMARC']!.note!, /2 records/);
  assert.equal(checks['SRV _pop3']!.expected, '0 0 0 .', 'a service that is off must not be advertised');
  assert.equal(checks['A']!.expected, '127.0.0.1');
  assert.equal(checks['CAA']!.expected, '0 issue "letsencrypt.org"');
  assert.equal(checks['PTR of 127.0.0.1']!.status, 'missing', 'reverse DNS is checked for the configured address');
  assert.equal(checks['MTA-STS policy']!.expected, mtaStsPolicy(c.mta_sts.mode, c.hostname, c.mta_sts.max_age));
});

test('mailfold dns check: the CLI resolves with [dns] servers, formats, exits 2 on problems; --json gives raw TXT; a smarthost is in SPF', async (t) => {
  const cwd = tempDir(t);
  const dns = await startDns(t);
  const toml = (extra: string) =>
    writeFileSync(join(cwd, 'mailfold.toml'), `hostname = "mail.example.org"\n[dns]\nservers = ["${dns.server}"]\nipv4 = "127.0.0.1"\n${extra}`);
  toml('[smtp.smarthost]\nhost = "smtp.provider.example"\nspf = "include:_spf.provider.example"\n');
  await createStoreIn(join(cwd, 'data'));
  assert.equal((await runCli(['domain', 'add', 'example.org'], { cwd })).code, 0);

  dns.txt('example.org', 'v=spf1 mx -all');
  const human = await runCli(['dns', 'check', 'example.org'], { cwd });
  assert.equal(human.code, 2, human.stderr);
  assert.match(human.stdout, /^WRONG\s+SPF\s+v=spf1 mx -all$/m);
  assert.match(human.stdout, /^MISSING\s+MX\s+\(none\)$/m);
  assert.match(human.stdout, /^skipped\s+TLSA\s+DANE is off/m);
  assert.match(human.stdout, /SPF \(example\.org\.\):?\n  publish:\n    example\.org\. 3600 IN TXT "v=spf1 include:_spf\.provider\.example -all"/);

  const json = await runCli(['--json', 'dns', 'check', 'example.org'], { cwd });
  const report = JSON.parse(json.stdout) as DnsCheckReport;
  const spf = report.checks.find((c) => c.what === 'SPF')!;
  assert.equal(spf.expected, 'v=spf1 include:_spf.provider.example -all', 'raw, without zone-file quotes');
  assert.equal(report.checks.find((c) => c.what === 'DMARC')!.expected, 'v=DMARC1; p=none; rua=mailto:postmaster@example.org');

  toml('[smtp.smarthost]\nhost = "203.0.113.7"\n');
  const printed = JSON.parse((await runCli(['--json', 'dns', 'example.org'], { cwd })).stdout) as { type: string; text?: string }[];
  assert.ok(printed.some((r) => r.text === 'v=spf1 ip4:203.0.113.7 -all'), 'without spf =, the relay\'s address');
  assert.ok(dns.queries.every((q) => /example\.org|arpa/.test(q)), `only the test zone was asked: ${dns.queries.join(', ')}`);

  const unknown = await runCli(['dns', 'check', 'other.example'], { cwd });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /other\.example is not a domain of this server/);
});

test('dns check: an oversized, a garbage and a silent MTA-STS policy server give a verdict, never a crash', async (t) => {
  const c = config();
  const dns = await startDns(t);
  publishAll(dns, c);
  let body: string | null = 'x'.repeat(100 * 1024);
  const https = await policyServer(t, () => body);
  const checks = async () => byWhat(await check(dns, c, https));
  const oversized = (await checks())['MTA-STS policy']!;
  assert.equal(oversized.status, 'missing');
  assert.match(oversized.note!, /larger than 65536 bytes/);
  body = '\u0000\u00ff garbage\r\nmode: enforce\r\nmx: *.\r\n';
  assert.equal((await checks())['MTA-STS policy']!.status, 'wrong');

  // A server that accepts the connection and never answers: the fetch gives up after its timeout.
  const tcp = createTcpServer(() => {});
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  t.after(() => tcp.close());
  const resolve = createResolver({ servers: [dns.server], cacheMs: 0 });
  await assert.rejects(fetchMtaStsPolicy('example.org', { resolve, port: (tcp.address() as { port: number }).port, timeoutMs: 300 }), /no answer from https:\/\/mta-sts\.example\.org within 0\.3 s/);
});

test('dns check with DANE on: the TLSA record must name the served key and be DNSSEC-validated', async (t) => {
  const c = config();
  c.smtp.dane = { enabled: true, resolver: '127.0.0.1:53' };
  const dns = await startDns(t);
  publishAll(dns, c);
  const https = await policyServer(t, () => mtaStsPolicy(c.mta_sts.mode, c.hostname, c.mta_sts.max_age));
  const ca = await TestCa.create();
  const served = daneEeRecord((await ca.issue(['mail.example.org'])).certPem);
  const resolve = createResolver({ servers: [dns.server], cacheMs: 0 });
  const validating = createValidatingResolver({ server: dns.server });
  const tlsaCheck = async () => {
    const report = await checkDomain('example.org', c, DKIM, { resolve, validating, tlsa: served, fetchPolicy: (d) => fetchMtaStsPolicy(d, { resolve, port: https.port, ca: https.ca }) });
    return byWhat(report)['TLSA']!;
  };
  const missing = await tlsaCheck();
  assert.equal(missing.status, 'missing');
  assert.equal(missing.zone, `_25._tcp.mail.example.org. 3600 IN TLSA ${served}`);

  dns.add('_25._tcp.mail.example.org', 'TLSA', `3 1 1 ${'00'.repeat(32)}`);
  const stale = await tlsaCheck();
  assert.equal(stale.status, 'wrong');
  assert.match(stale.note!, /no record names the key of the certificate served now/);

  dns.add('_25._tcp.mail.example.org', 'TLSA', served);
  const unsigned = await tlsaCheck();
  assert.equal(unsigned.status, 'wrong');
  assert.match(unsigned.note!, /not DNSSEC-validated \(no AD bit from 127\.0\.0\.1:\d+\)/);

  dns.signed.add('example.org');
  const good = await tlsaCheck();
  assert.equal(good.status, 'ok');
  assert.deepEqual(good.found, [`3 1 1 ${'00'.repeat(32)}`, served]);
  assert.match(good.note!, /key rollover/);

  dns.servfail.add('_25._tcp.mail.example.org');
  assert.equal((await tlsaCheck()).status, 'failed');
});
