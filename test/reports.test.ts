import assert from 'node:assert/strict';
import { promises as dns } from 'node:dns';
import { test, type TestContext } from 'node:test';
import { dkimVerify } from 'mailauth';
import { createTransport } from 'nodemailer';
import { dnsRecord, generateDkimKeys } from '../src/dkim/keys.ts';
import { dnsRecords } from '../src/dns/records.ts';
import type { ReportOutcome } from '../src/reports/sender.ts';
import { ruaAddresses } from '../src/reports/rua.ts';
import type { TestDns } from './helpers/dns.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { sharedPort, startPeer, type PeerMessage } from './helpers/peer.ts';
import { untilEmpty, untilQueue } from './helpers/queue.ts';
import { parseDmarcXml, parseTlsJson, reportAttachment } from './helpers/report-parse.ts';
import { addAccount, inbox, PASSWORD, startSmtpServer, type SmtpTestServer } from './helpers/smtp.ts';

/** Where the report destinations' MX listens. */
const RUA = '127.0.0.31';
const TLS_MX = '127.0.0.32';
const PLAIN_MX = '127.0.0.33';

/** Our domain with an account and DKIM keys published in the test's DNS. */
async function ourDomain(a: SmtpTestServer): Promise<void> {
  await addAccount(a.store, 'alice@our.test');
  const keys = await generateDkimKeys('our.test', 'rpt');
  await a.store.addDkimKeys('our.test', keys);
  for (const key of keys) {
    const record = dnsRecord(key, true);
    a.dns.txt(record.name, record.value);
  }
  a.dns.txt('our.test', 'v=spf1 ip4:127.0.0.1 -all');
}

/** `mailfold reports send --now` against the running server, through its control socket. */
async function sendReports(t: TestContext, a: SmtpTestServer): Promise<ReportOutcome[]> {
  const r = await runCli(['--json', '--data-dir', a.config.data_dir, 'reports', 'send', '--now'], { cwd: tempDir(t) });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as ReportOutcome[];
}

/** The DKIM results of a report as the test's DNS, read by an independent resolver, judges them. */
async function dkimResults(zone: TestDns, raw: string): Promise<string[]> {
  const resolver = new dns.Resolver();
  resolver.setServers([zone.server]);
  const verified = await dkimVerify(Buffer.from(raw), { resolver: (name, type) => resolver.resolve(name, type) as Promise<string[][]> });
  return verified.results.map((r) => `${r.signingDomain}:${r.status.result}`);
}

const mx = (zone: TestDns, domain: string, address: string) => {
  zone.add(domain, 'MX', `10 mx.${domain}`);
  zone.add(`mx.${domain}`, 'A', address);
};

const byRecipient = (messages: PeerMessage[], to: string): PeerMessage[] => messages.filter((m) => m.to.includes(to));

test('DMARC: the MX records its results; daily reports go gzipped and DKIM-signed to the rua a domain authorized, nowhere else', async (t) => {
  const port = await sharedPort([RUA]);
  const peer = await startPeer(t, RUA, port);
  const a = await startSmtpServer(t, (c) => {
    c.queue.mx_port = port;
  });
  await ourDomain(a);
  const zone = a.dns;
  // sender.test reports to itself (within a limit) and to third.test, which did not agree to take them.
  zone.txt('sender.test', 'v=spf1 ip4:127.0.0.1 -all');
  zone.txt('_dmarc.sender.test', 'v=DMARC1; p=reject; rua=mailto:dmarc@sender.test!10m,mailto:agg@third.test');
  // other.test reports to third.test, which publishes that it takes them.
  zone.txt('other.test', 'v=spf1 ip4:127.0.0.1 -all');
  zone.txt('_dmarc.other.test', 'v=DMARC1; p=none; rua=mailto:agg@third.test');
  zone.txt('other.test._report._dmarc.third.test', 'v=DMARC1');
  // hostile.test: a victim's address outside its domain, garbage, and a limit no report fits.
  zone.txt('hostile.test', 'v=spf1 ip4:127.0.0.1 -all');
  zone.txt('_dmarc.hostile.test', 'v=DMARC1; p=none; rua=mailto:victim@third.test,javascript:alert(1),mailto:tiny@hostile.test!1');
  // norua.test asks for no reports.
  zone.txt('norua.test', 'v=spf1 ip4:127.0.0.1 -all');
  zone.txt('_dmarc.norua.test', 'v=DMARC1; p=none');
  for (const domain of ['sender.test', 'third.test', 'hostile.test']) mx(zone, domain, RUA);

  const mta = createTransport({ host: '127.0.0.1', port: a.mx, name: 'mta.world.test', ignoreTLS: true });
  t.after(() => mta.close());
  const send = (envelopeFrom: string, from: string) =>
    mta.sendMail({ envelope: { from: envelopeFrom, to: ['alice@our.test'] }, from, to: 'alice@our.test', subject: `from ${from}`, text: 'Hello.\n' });
  await send('a@sender.test', 'a@sender.test');
  await send('b@sender.test', 'b@sender.test');
  // SPF for spoof.test is none and nothing aligns: DMARC fails, and p=reject refuses it.
  await assert.rejects(send('x@spoof.test', 'a@sender.test'), /550/);
  await send('c@other.test', 'c@other.test');
  await send('d@hostile.test', 'd@hostile.test');
  await send('e@norua.test', 'e@norua.test');
  assert.equal((await inbox(a.store, 'alice@our.test')).length, 5);

  const outcomes = await sendReports(t, a);
  const sent = Object.fromEntries(outcomes.filter((o) => o.kind === 'dmarc').map((o) => [o.domain, o]));
  assert.deepEqual(Object.keys(sent).sort(), ['hostile.test', 'other.test', 'sender.test']);
  assert.deepEqual(sent['sender.test']!.to, ['dmarc@sender.test']);
  assert.deepEqual(sent['other.test']!.to, ['agg@third.test']);
  assert.deepEqual(sent['hostile.test']!.to, []);
  assert.match(sent['hostile.test']!.skipped!, /size limit/);
  await untilEmpty(a.server.queue);
  assert.deepEqual(peer.map((m) => m.to.join()).sort(), ['agg@third.test', 'dmarc@sender.test']);
  assert.equal(byRecipient(peer, 'victim@third.test').length, 0);

  const [toSender] = byRecipient(peer, 'dmarc@sender.test');
  assert.equal(toSender!.from, 'postmaster@our.test');
  const report = await reportAttachment(toSender!.raw);
  assert.match(report.subject, /^Report Domain: sender\.test Submitter: our\.test Report-ID: <[^>]+@our\.test>$/);
  assert.equal(report.contentType, 'application/gzip');
  assert.match(report.fileName, /^our\.test!sender\.test!\d+!\d+!.+\.xml\.gz$/);
  const xml = parseDmarcXml(report.content);
  assert.equal(xml.meta.email, 'postmaster@our.test');
  assert.deepEqual(xml.policy, { domain: 'sender.test', adkim: 'r', aspf: 'r', p: 'reject', sp: 'reject', pct: '100' });
  const rows = xml.records.map((r) => [r.source_ip, r.count, r['policy_evaluated/disposition'], r['policy_evaluated/spf'], r.header_from, r.envelope_from, r.spf[0]!.result]).sort();
  assert.deepEqual(rows, [
    ['127.0.0.1', 1, 'reject', 'fail', 'sender.test', 'spoof.test', 'none'],
    ['127.0.0.1', 2, 'none', 'pass', 'sender.test', 'sender.test', 'pass'],
  ]);
  assert.deepEqual((await dkimResults(zone, toSender!.raw)).sort(), ['our.test:pass', 'our.test:pass']);
  const other = parseDmarcXml((await reportAttachment(byRecipient(peer, 'agg@third.test')[0]!.raw)).content);
  assert.deepEqual(other.records.map((r) => [r.header_from, r.count]), [['other.test', 1]]);

  // Sent counts are gone: the next run has nothing to send for DMARC.
  assert.deepEqual(await a.store.reportPeriods('dmarc', Number.MAX_SAFE_INTEGER), []);
  assert.deepEqual((await sendReports(t, a)).filter((o) => o.kind === 'dmarc'), []);
});

test('TLS-RPT: outcomes of deliveries with and without STARTTLS go to the rua of domains that publish _smtp._tls', async (t) => {
  const port = await sharedPort([RUA, TLS_MX, PLAIN_MX]);
  const reports = await startPeer(t, RUA, port);
  const secured = await startPeer(t, TLS_MX, port);
  const plain = await startPeer(t, PLAIN_MX, port, { noStartTls: true });
  const a = await startSmtpServer(t, (c) => {
    c.queue.mx_port = port;
    c.reports.org_name = 'Our Family';
  });
  await ourDomain(a);
  const zone = a.dns;
  mx(zone, 'tls.test', TLS_MX);
  mx(zone, 'plain.test', PLAIN_MX);
  mx(zone, 'quiet.test', TLS_MX);
  mx(zone, 'rua.test', RUA);
  zone.txt('_smtp._tls.tls.test', 'v=TLSRPTv1; rua=mailto:tlsrpt@rua.test');
  zone.txt('_smtp._tls.plain.test', 'v=TLSRPTv1;rua=https://reports.plain.test/v1, mailto:tlsrpt@rua.test');

  const submit = createTransport({ host: '127.0.0.1', port: a.submission, auth: { user: 'alice@our.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } });
  t.after(() => submit.close());
  await submit.sendMail({ from: 'alice@our.test', to: ['u@tls.test', 'u@plain.test', 'u@quiet.test'], subject: 'Hello', text: 'Out into the world.\n' });
  await untilQueue(a.server.queue, async () => (await a.server.queue.list()).length === 0 && secured.length === 2 && plain.length === 1);

  const outcomes = (await sendReports(t, a)).filter((o) => o.kind === 'tls');
  const sent = Object.fromEntries(outcomes.map((o) => [o.domain, o]));
  assert.deepEqual(Object.keys(sent).sort(), ['plain.test', 'quiet.test', 'tls.test']);
  assert.deepEqual(sent['tls.test']!.to, ['tlsrpt@rua.test']);
  assert.deepEqual(sent['plain.test']!.to, ['tlsrpt@rua.test']);
  assert.deepEqual(sent['quiet.test']!.to, [], 'no _smtp._tls record: no report');
  await untilQueue(a.server.queue, async () => reports.length === 2);

  const parsed = await Promise.all(reports.map(async (m) => ({ m, r: await reportAttachment(m.raw) })));
  const of = (domain: string) => parsed.find((p) => p.r.headers.get('tls-report-domain') === domain)!;
  for (const { m, r } of parsed) {
    assert.equal(r.headers.get('tls-report-submitter'), 'our.test');
    assert.equal(r.contentType, 'application/tlsrpt+gzip');
    assert.match(r.subject, /^Report Domain: (tls|plain)\.test Submitter: our\.test Report-ID: <.+>$/);
    assert.match(r.fileName, /^our\.test!(tls|plain)\.test!\d+!\d+!.+\.json\.gz$/);
    assert.deepEqual(await dkimResults(zone, m.raw), ['our.test:pass', 'our.test:pass']);
    assert.match(m.raw, /^DKIM-Signature:[^]*?h=[^;]*TLS-Report-Domain/im, 'the signature covers the TLS-RPT fields');
  }
  const ok = parseTlsJson(of('tls.test').r.content);
  assert.equal(ok['organization-name'], 'Our Family');
  assert.equal(ok['contact-info'], 'mailto:postmaster@our.test');
  assert.deepEqual(ok.policies.map((p) => [p.policy['policy-type'], p.policy['policy-domain'], p.summary]), [
    ['no-policy-found', 'tls.test', { 'total-successful-session-count': 1, 'total-failure-session-count': 0 }],
  ]);
  const failed = parseTlsJson(of('plain.test').r.content);
  assert.deepEqual(failed.policies.map((p) => [p.policy['policy-type'], p.summary['total-failure-session-count'], p['failure-details']]), [
    ['no-policy-found', 1, [{ 'result-type': 'starttls-not-supported', 'receiving-ip': PLAIN_MX, 'receiving-mx-hostname': 'mx.plain.test', 'failed-session-count': 1, 'failure-reason-code': 'STARTTLS not offered' }]],
  ]);
  assert.deepEqual(await a.store.reportPeriods('tls', Number.MAX_SAFE_INTEGER).then((p) => p.map((x) => x.domain)), ['rua.test'], 'only the reports\' own delivery is left for tomorrow');
});

test('reports for our domains: the rua `mailfold dns` prints delivers to postmaster, and is never refused as spam', async (t) => {
  const a = await startSmtpServer(t, (c) => {
    // Every message scores at or above this: the MX would refuse anything it judges.
    c.spam.reject_score = -1000;
  });
  await ourDomain(a);
  await addAccount(a.store, 'bob@our.test');
  const records = dnsRecords('our.test', a.config);
  const ruas = ['_dmarc.our.test.', '_smtp._tls.our.test.'].map((name) => records.find((r) => r.name === name)!.text!);
  const destinations = ruas.flatMap((text) => ruaAddresses(/rua=([^;]+)/.exec(text)![1], true).map((d) => d.address));
  assert.deepEqual(destinations, ['postmaster@our.test', 'postmaster@our.test']);

  const mta = createTransport({ host: '127.0.0.1', port: a.mx, name: 'mx.google.test', ignoreTLS: true });
  t.after(() => mta.close());
  const report = { subject: 'Report Domain: our.test Submitter: google.test Report-ID: <1>', text: 'A report.\n', attachments: [{ filename: 'google.test!our.test!0!1.json.gz', content: Buffer.from('x'), contentType: 'application/tlsrpt+gzip' }] };
  await assert.rejects(mta.sendMail({ from: 'noreply@google.test', to: 'bob@our.test', ...report }), /550 5\.7\.1/);
  await mta.sendMail({ from: 'noreply@google.test', to: destinations[0], headers: { 'TLS-Report-Domain': 'our.test' }, ...report });
  const [got] = await inbox(a.store, 'alice@our.test');
  assert.match(got!.bytes.toString(), /Report Domain: our\.test/);
});
