import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTransport } from 'nodemailer';
import { pino } from 'pino';
import { startDns, type Zone } from './helpers/dns.ts';
import { tempDir } from './helpers/env.ts';
import { policyZone, startPolicyServer } from './helpers/mta-sts.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { untilQueue } from './helpers/queue.ts';
import { addAccount, PASSWORD, startSmtpServer } from './helpers/smtp.ts';
import { TestCa } from './helpers/test-ca.ts';
import type { TlsRow } from '../src/reports/tlsrpt.ts';

/** An MX with a certificate from the test's CA for mx.sts.test. */
const GOOD = '127.0.0.6';
/** An MX offering STARTTLS with smtp-server's own self-signed certificate. */
const BAD = '127.0.0.7';

const POLICY_ID = '20261123T1';

/** The policies the HTTPS server hands out, per policy host. */
const POLICIES: Record<string, string> = {
  'mta-sts.sts.test': 'version: STSv1\nmode: enforce\nmx: mx.sts.test\nmax_age: 86400\n',
  'mta-sts.wrongmx.test': 'version: STSv1\nmode: enforce\nmx: *.elsewhere.test\nmax_age: 86400\n',
  'mta-sts.badcert.test': 'version: STSv1\nmode: enforce\nmx: mx.badcert.test\nmax_age: 86400\n',
  'mta-sts.testing.test': 'version: STSv1\nmode: testing\nmx: mx.other.test\nmax_age: 86400\n',
};

test('MTA-STS: enforce delivers only to listed MX hosts with a valid certificate; testing and no policy deliver', async (t) => {
  const ca = await TestCa.create();
  const policyServer = await startPolicyServer(t, ca, POLICIES);
  if (!policyServer) return;
  const { address: policyHost, requests } = policyServer;

  const zone: Zone = {
    // enforce, the MX listed, its certificate from the trusted CA: delivered.
    'sts.test': { mx: [[10, 'mx.sts.test']] },
    'mx.sts.test': { a: [GOOD] },
    // enforce, but the policy lists another MX: nothing goes out.
    'wrongmx.test': { mx: [[10, 'mx.sts.test']] },
    // enforce, the MX listed, but its certificate is not one the sender trusts.
    'badcert.test': { mx: [[10, 'mx.badcert.test']] },
    'mx.badcert.test': { a: [BAD] },
    // testing: neither MX nor certificate would pass, and it is delivered.
    'testing.test': { mx: [[10, 'mx.badcert.test']] },
    // No policy at all: opportunistic TLS, as without MTA-STS.
    'plain.test': { mx: [[10, 'mx.badcert.test']] },
    ...policyZone(POLICIES, policyHost, POLICY_ID),
  };
  const dns = await startDns(t, zone);
  const port = await sharedPort([GOOD, BAD]);
  const good = await startPeer(t, GOOD, port, { tls: await ca.issue(['mx.sts.test']) });
  const bad = await startPeer(t, BAD, port);

  const caFile = join(tempDir(t), 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
  const a = await startSmtpServer(
    t,
    (c) => {
      c.queue.mx_port = port;
      c.queue.ca_file = caFile;
      c.dns.servers = [dns.server];
    },
    log,
  );
  await addAccount(a.store, 'alice@a.test');
  const rcpts = ['one@sts.test', 'two@wrongmx.test', 'three@badcert.test', 'four@testing.test', 'five@plain.test'];
  await createTransport({ host: '127.0.0.1', port: a.submission, auth: { user: 'alice@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } }).sendMail({
    from: 'alice@a.test',
    to: rcpts,
    subject: 'Strict transport',
    text: 'Only over verified TLS where the domain asks for it.',
  });
  const queue = a.server.queue;
  const tried = await untilQueue(queue, async () => {
    const [e] = await queue.list();
    return e && e.recipients.every((r) => r.attempts === 1) && !queue.isBusy(e.id) && e;
  });
  const state = Object.fromEntries(tried.recipients.map((r) => [r.address, r]));
  assert.deepEqual(
    rcpts.map((r) => state[r]!.state),
    ['sent', 'pending', 'pending', 'sent', 'sent'],
  );
  assert.match(state['two@wrongmx.test']!.lastResult!, /MTA-STS policy of wrongmx\.test lists none of its MX hosts \(mx\.sts\.test\)/);
  assert.equal(state['two@wrongmx.test']!.status, '4.7.5');
  assert.match(state['three@badcert.test']!.lastResult!, /^MTA-STS \(enforce\): mx\.badcert\.test\[127\.0\.0\.7\]:\d+: .*(self[- ]signed|certificate)/i);
  assert.deepEqual(good.map((m) => m.to), [['one@sts.test']]);
  assert.deepEqual(bad.map((m) => m.to.join()).sort(), ['five@plain.test', 'four@testing.test']);
  const warnings = lines.map((l) => JSON.parse(l) as { msg: string; domain?: string; mx?: string });
  assert.ok(warnings.some((w) => w.domain === 'testing.test' && w.mx === 'mx.badcert.test' && /testing mode: used anyway/.test(w.msg)), 'testing mode logs the MX the policy does not list');
  assert.ok(warnings.some((w) => w.domain === 'wrongmx.test' && /MX host not in the policy, skipped/.test(w.msg)));

  // TLS-RPT: each session's outcome under the policy applied.
  const day = Math.floor(Date.now() / 86_400_000);
  const tls = async (domain: string) => (await a.store.reportRows('tls', day, domain)).map((r) => ({ ...(JSON.parse(r.row) as TlsRow), count: r.count }));
  assert.deepEqual(await tls('sts.test'), [{ policy: { type: 'sts', strings: ['version: STSv1', 'mode: enforce', 'mx: mx.sts.test', 'max_age: 86400'], mxHost: ['mx.sts.test'] }, result: 'success', count: 1 }]);
  const [badcert] = await tls('badcert.test');
  assert.deepEqual([badcert?.policy.type, badcert?.mx, badcert?.ip], ['sts', 'mx.badcert.test', BAD]);
  // smtp-server's own certificate is self-signed, and (in the version here) expired as well: Node names the first problem it meets.
  assert.match(`${badcert?.result} ${badcert?.reason}`, /^certificate-expired .*expired|^certificate-not-trusted .*self[- ]signed/);
  assert.deepEqual((await tls('plain.test')).map((r) => [r.policy.type, r.result]), [['no-policy-found', 'success']]);

  // The policies are kept in the store for max_age; plain.test has none.
  const stored = await a.store.getMtaStsPolicy('sts.test');
  assert.equal(stored?.id, POLICY_ID);
  assert.equal(stored?.mode, 'enforce');
  assert.deepEqual(stored?.mx, ['mx.sts.test']);
  assert.ok(Date.parse(stored!.expires) > Date.now() + 86000_000);
  assert.equal(await a.store.getMtaStsPolicy('plain.test'), null);
  const fetched = requests.length;
  assert.equal(fetched, 4, 'one fetch per policy');

  // A retry uses the stored policies: no fetch, and the deferred recipients stay deferred.
  await queue.flush();
  const again = await untilQueue(queue, async () => {
    const [e] = await queue.list();
    return e && e.recipients.every((r) => r.state !== 'pending' || r.attempts === 2) && !queue.isBusy(e.id) && e;
  });
  assert.deepEqual(again.recipients.filter((r) => r.state === 'pending').map((r) => r.address), ['two@wrongmx.test', 'three@badcert.test']);
  assert.equal(requests.length, fetched);
  assert.equal(good.length, 1);
  assert.equal(bad.length, 2);
});
