import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { dmarcRow, dmarcXml, type DmarcRow } from '../src/reports/dmarc.ts';
import { composeReportMail } from '../src/reports/message.ts';
import { mayReportTo, ruaAddresses } from '../src/reports/rua.ts';
import { tlsReportJson, tlsResultType, type TlsRow } from '../src/reports/tlsrpt.ts';
import { startDns } from './helpers/dns.ts';
import { createResolver } from '../src/net/dns.ts';
import { parseDmarcXml, parseTlsJson, reportAttachment } from './helpers/report-parse.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { createStoreIn } from './helpers/store.ts';

test('rua: mailto destinations in order with their size limits; other schemes, garbage and a long list are cut', () => {
  assert.deepEqual(ruaAddresses('mailto:dmarc@example.org', true), [{ address: 'dmarc@example.org' }]);
  assert.deepEqual(ruaAddresses(' mailto:A@Example.ORG!10m , mailto:b@x.test!512k', true), [
    { address: 'a@example.org', maxBytes: 10 * 2 ** 20 },
    { address: 'b@x.test', maxBytes: 512 * 1024 },
  ]);
  assert.deepEqual(ruaAddresses('mailto:c%40x.test', true), [{ address: 'c@x.test' }], 'percent-encoded');
  assert.deepEqual(ruaAddresses('https://r.test/x,mailto:a@x.test', false), [{ address: 'a@x.test' }], 'https is skipped, mailto taken');
  const many = Array.from({ length: 5000 }, (_, i) => `mailto:r${i}@x.test`).join(',');
  assert.deepEqual(ruaAddresses(many, true), [], 'a rua of kilobytes is not a list of a few addresses');
  assert.deepEqual(ruaAddresses(Array.from({ length: 20 }, (_, i) => `mailto:r${i}@x.test`).join(','), true).length, 2);
  for (const garbage of ['', 'mailto:', 'mailto:nobody', 'mailto:a@b@c', 'mailto:a@-x.test', 'mailto:%zz@x.test', 'ftp://x', 'mailto:a@x.test!10q', 'mailto:a b@x.test', '\u0000mailto:a@x.test\r\n']) {
    assert.deepEqual(ruaAddresses(garbage, true), [], JSON.stringify(garbage));
  }
  assert.deepEqual(ruaAddresses('mailto:a@x.test!10m', false), [], 'TLS-RPT has no size suffix');
  assert.deepEqual(ruaAddresses(undefined, true), []);
  assert.deepEqual(ruaAddresses('mailto:a@x.test,mailto:A@X.test', true), [{ address: 'a@x.test' }], 'no duplicates');
});

test('rua: a destination in another organizational domain needs its _report._dmarc authorization (RFC 7489 section 7.1)', async (t) => {
  const dns = await startDns(t, {
    'example.org._report._dmarc.reports.test': { txt: ['v=DMARC1'] },
    'example.org._report._dmarc.wrong.test': { txt: ['v=spf1 -all'] },
  });
  const resolve = createResolver({ servers: [dns.server] });
  t.after(() => resolve.cancel());
  assert.equal(await mayReportTo(resolve, 'example.org', 'example.org', 'a@example.org'), true);
  assert.equal(await mayReportTo(resolve, 'sub.example.org', 'example.org', 'a@mail.example.org'), true, 'within the organizational domain');
  assert.equal(await mayReportTo(resolve, 'example.org', 'example.org', 'a@reports.test'), true);
  assert.equal(await mayReportTo(resolve, 'example.org', 'example.org', 'a@wrong.test'), false);
  assert.equal(await mayReportTo(resolve, 'example.org', 'example.org', 'a@nothing.test'), false);
  assert.equal(await mayReportTo(resolve, 'example.org', 'example.org', 'a@example.org.evil.test'), false);
});

const policy = { domain: 'example.org', org: 'example.org', adkim: 'r' as const, aspf: 's' as const, p: 'reject', sp: 'quarantine', pct: 100, fo: '0', rua: 'mailto:d@example.org' };
const row = (over: Partial<DmarcRow> = {}): DmarcRow => ({
  ip: '192.0.2.1',
  headerFrom: 'example.org',
  envelopeFrom: 'example.org',
  disposition: 'none',
  dkim: 'pass',
  spf: 'pass',
  dkimAuth: [{ domain: 'example.org', selector: 's1', result: 'pass' }],
  spfAuth: { domain: 'example.org', scope: 'mfrom', result: 'pass' },
  policy,
  ...over,
});

test('DMARC: the aggregate XML reads in Python with every required element, counts and escaped text', () => {
  const xml = dmarcXml({ orgName: 'Family <& Co>', email: 'postmaster@our.test', reportId: 'r1@our.test', begin: 1000, end: 87400 }, [
    { row: row(), count: 7 },
    { row: row({ ip: '2001:db8::1', disposition: 'reject', dkim: 'fail', spf: 'fail', dkimAuth: [], spfAuth: { domain: 'evil.test', scope: 'mfrom', result: 'fail' }, envelopeFrom: 'evil.test' }), count: 2 },
  ]);
  const report = parseDmarcXml(Buffer.from(xml));
  assert.equal(report.meta.org_name, 'Family <& Co>');
  assert.deepEqual(report.policy, { domain: 'example.org', adkim: 'r', aspf: 's', p: 'reject', sp: 'quarantine', pct: '100' });
  assert.deepEqual(report.records.map((r) => [r.source_ip, r.count, r['policy_evaluated/disposition'], r.spf[0]!.result, r.dkim.length]), [
    ['192.0.2.1', 7, 'none', 'pass', 1],
    ['2001:db8::1', 2, 'reject', 'fail', 0],
  ]);
});

test('DMARC: a row comes from mailauth results only when the domain asks for aggregate reports', () => {
  const result = (rr: string | undefined, status = 'pass') => ({
    dmarc: { domain: 'example.org', policyDomain: 'example.org', policy: 'reject', p: 'reject', sp: 'reject', testMode: false, rr, status: { result: status as 'pass', header: { from: 'Example.org' } }, alignment: { spf: { result: 'example.org', strict: false }, dkim: { strict: false } }, info: '' },
    spf: { domain: 'example.org', 'client-ip': '192.0.2.1', status: { result: 'pass' as const }, header: '', info: '' },
    dkim: { headerFrom: [], envelopeFrom: '', results: [] },
  });
  const made = dmarcRow(result('v=DMARC1; p=reject; RUA=mailto:d@example.org; pct=50; adkim=s; fo=1') as never, '192.0.2.1', 'a@example.org', 'mx.example.org', 'none');
  assert.equal(made?.headerFrom, 'example.org');
  assert.deepEqual([made?.spf, made?.dkim, made?.policy.pct, made?.policy.adkim, made?.policy.fo, made?.policy.rua], ['pass', 'fail', 50, 's', '1', 'mailto:d@example.org']);
  assert.equal(dmarcRow(result('v=DMARC1; p=reject') as never, '192.0.2.1', '', 'helo', 'none'), null, 'no rua: nothing to record');
  assert.equal(dmarcRow(result(undefined, 'none') as never, '192.0.2.1', '', 'helo', 'none'), null);
  assert.equal(dmarcRow(result('v=DMARC1; p=reject; rua=mailto:d@example.org; pct=5000', 'temperror') as never, '192.0.2.1', '', 'helo', 'none'), null, 'a temporary error is not a result');
  const helo = dmarcRow(result('v=DMARC1; p=none; rua=mailto:d@example.org; pct=5000') as never, '192.0.2.1', '', 'mx.example.org', 'none');
  assert.deepEqual([helo?.spfAuth.scope, helo?.envelopeFrom, helo?.policy.pct], ['helo', 'mx.example.org', 100]);
});

test('TLS-RPT: failures are classified, and the JSON report reads in Python with its counts per policy', () => {
  assert.equal(tlsResultType('STARTTLS not offered'), 'starttls-not-supported');
  assert.equal(tlsResultType('Error upgrading connection with STARTTLS'), 'starttls-not-supported');
  assert.equal(tlsResultType("Error initiating TLS - Hostname/IP does not match certificate's altnames: Host: mx.x.test"), 'certificate-host-mismatch');
  assert.equal(tlsResultType('Error initiating TLS - certificate has expired'), 'certificate-expired');
  assert.equal(tlsResultType('Error initiating TLS - self-signed certificate'), 'certificate-not-trusted');
  assert.equal(tlsResultType('Error initiating TLS - unable to verify the first certificate'), 'certificate-not-trusted');
  assert.equal(tlsResultType('Error initiating TLS - wrong version number'), 'validation-failure');
  const sts = { type: 'sts' as const, strings: ['version: STSv1', 'mode: enforce', 'mx: mx.x.test', 'max_age: 86400'], mxHost: ['mx.x.test'] };
  const rows: { row: TlsRow; count: number }[] = [
    { row: { policy: sts, result: 'success' }, count: 40 },
    { row: { policy: sts, result: 'certificate-expired', mx: 'mx.x.test', ip: '192.0.2.5', reason: 'certificate has expired' }, count: 3 },
    { row: { policy: { type: 'no-policy-found' }, result: 'starttls-not-supported', mx: 'mx.x.test', ip: '192.0.2.6' }, count: 1 },
    { row: { policy: { type: 'no-policy-found' }, result: 'success' }, count: 2 },
  ];
  const report = parseTlsJson(Buffer.from(tlsReportJson({ orgName: 'Us', contact: 'mailto:postmaster@our.test', reportId: 'id@our.test', start: 86_400_000, end: 2 * 86_400_000 }, 'x.test', rows)));
  assert.equal(report.policies.length, 2);
  const [a, b] = report.policies;
  assert.deepEqual(a!.policy, { 'policy-type': 'sts', 'policy-string': sts.strings, 'policy-domain': 'x.test', 'mx-host': ['mx.x.test'] });
  assert.deepEqual(a!.summary, { 'total-successful-session-count': 40, 'total-failure-session-count': 3 });
  assert.deepEqual(a!['failure-details'], [{ 'result-type': 'certificate-expired', 'receiving-ip': '192.0.2.5', 'receiving-mx-hostname': 'mx.x.test', 'failed-session-count': 3, 'failure-reason-code': 'certificate has expired' }]);
  assert.deepEqual(b!.policy, { 'policy-type': 'no-policy-found', 'policy-domain': 'x.test' });
  assert.deepEqual(b!.summary, { 'total-successful-session-count': 2, 'total-failure-session-count': 1 });
});

test('report mail: the subject, TLS-RPT header fields, media types and file name a reader needs', async () => {
  const base = { from: 'postmaster@our.test', to: ['r@x.test'], domain: 'x.test', submitter: 'our.test', reportId: 'id1@our.test', date: 0, messageId: 'm@our.test', boundary: 'b' };
  const tls = await reportAttachment(composeReportMail({ ...base, kind: 'tls', fileName: 'our.test!x.test!0!86400!id1.json.gz', gzip: gzipSync('{"a":1}') }));
  assert.equal(tls.subject, 'Report Domain: x.test Submitter: our.test Report-ID: <id1@our.test>');
  assert.equal(tls.headers.get('tls-report-domain'), 'x.test');
  assert.equal(tls.headers.get('tls-report-submitter'), 'our.test');
  assert.equal((tls.headers.get('content-type') as { value: string; params: Record<string, string> }).params['report-type'], 'tlsrpt');
  assert.equal(tls.contentType, 'application/tlsrpt+gzip');
  assert.equal(tls.fileName, 'our.test!x.test!0!86400!id1.json.gz');
  assert.equal(tls.content.toString(), '{"a":1}');
  const dmarc = await reportAttachment(composeReportMail({ ...base, kind: 'dmarc', fileName: 'our.test!x.test!0!86400!id1.xml.gz', gzip: gzipSync('<feedback/>') }));
  assert.equal(dmarc.contentType, 'application/gzip');
  assert.equal(dmarc.headers.get('tls-report-domain'), undefined);
  assert.equal(dmarc.content.toString(), '<feedback/>');
});

test('reports send: without a running server it says so in one line and exits 1', async (t) => {
  const cwd = tempDir(t);
  const data = join(cwd, 'data');
  await createStoreIn(data);
  const r = await runCli(['--data-dir', data, 'reports', 'send'], { cwd });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stderr.trim(), /^mailfold: reports are sent by the running server \(`mailfold serve`\), with \[reports\] enabled$/);
});
