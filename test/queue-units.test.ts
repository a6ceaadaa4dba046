import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { simpleParser } from 'mailparser';
import { formatDuration, parseDuration } from '../src/config/duration.ts';
import { composeDsn, headerOf, statusOf, type DsnInput } from '../src/queue/dsn.ts';
import { KeyedLimiter } from '../src/net/keyed-limiter.ts';
import { createResolver } from '../src/net/dns.ts';
import { findRoute } from '../src/queue/mx.ts';
import { mayCarryRequireTls, tlsRequirement } from '../src/queue/require-tls.ts';
import { backoff, dueTime } from '../src/queue/runner.ts';
import { sendVia } from '../src/queue/smtp-client.ts';
import { envelopes } from '../src/queue/transport.ts';
import type { QueueEntry } from '../src/store/types.ts';
import { deafDns, startDns } from './helpers/dns.ts';

test('durations: seconds or a number with s, m, h, d', () => {
  assert.equal(parseDuration('300'), 300);
  assert.equal(parseDuration('5m'), 300);
  assert.equal(parseDuration(' 4H '), 14400);
  assert.equal(parseDuration('5d'), 432000);
  for (const bad of ['', '5 minutes', '-1m', '1.5h', 'm', '9'.repeat(400) + 'd']) assert.equal(parseDuration(bad), null, bad);
  assert.equal(formatDuration(14400), '4h');
  assert.equal(formatDuration(90), '90s');
  assert.equal(formatDuration(432000), '5d');
});

test('retries start within minutes, double, and stop growing at retry_max', () => {
  const s = { retryFirst: 300, retryMax: 14400 };
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 100].map((n) => backoff(s, n)), [300, 600, 1200, 2400, 4800, 9600, 14400, 14400]);
});

test('an entry is due at its earliest pending recipient, or at its delay warning', () => {
  const entry: QueueEntry = {
    id: 'x',
    from: 'a@a.test',
    size: 1,
    createdAt: 1000,
    delayWarned: false,
    recipients: [
      { address: 'b@b.test', state: 'pending', attempts: 1, nextAttempt: 50_000 },
      { address: 'c@c.test', state: 'sent', attempts: 1, nextAttempt: 0 },
      { address: 'd@d.test', state: 'pending', attempts: 1, nextAttempt: 9000 },
    ],
  };
  assert.equal(dueTime({ delayWarningAfter: 0 }, entry), 9000);
  assert.equal(dueTime({ delayWarningAfter: 5 }, entry), 6000);
  assert.equal(dueTime({ delayWarningAfter: 5 }, { ...entry, delayWarned: true }), 9000);
  assert.equal(dueTime({ delayWarningAfter: 5 }, { ...entry, from: '' }), 9000, 'no warning for the null sender');
});

test('the per-domain limit holds, and other domains do not wait', async () => {
  const limiter = new KeyedLimiter(2);
  const running = new Map<string, number>();
  let most = 0;
  const gates: (() => void)[] = [];
  const started: string[] = [];
  const task = (key: string, name: string) =>
    limiter.run(key, async () => {
      started.push(name);
      running.set(key, (running.get(key) ?? 0) + 1);
      most = Math.max(most, running.get(key)!);
      await new Promise<void>((resolve) => gates.push(resolve));
      running.set(key, running.get(key)! - 1);
    });
  const all = [task('a', 'a1'), task('a', 'a2'), task('a', 'a3'), task('a', 'a4'), task('b', 'b1')];
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(started, ['a1', 'a2', 'b1']);
  while (gates.length > 0) {
    gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(all);
  assert.deepEqual(started, ['a1', 'a2', 'b1', 'a3', 'a4']);
  assert.equal(most, 2);
});

test('statusOf takes the enhanced code of the reply when its class matches', () => {
  assert.equal(statusOf(550, '550 5.1.1 No such user'), '5.1.1');
  assert.equal(statusOf(451, '451-4.7.1 greylisted'), '4.7.1');
  assert.equal(statusOf(550, '550 4.1.1 confused server'), '5.0.0');
  assert.equal(statusOf(421, '421 go away'), '4.0.0');
});

const dsnInput = (over: Partial<DsnInput> = {}): DsnInput => ({
  kind: 'failed',
  reportingMta: 'mx.a.test',
  queueId: 'q1',
  arrivalDate: Date.UTC(2026, 10, 22, 10),
  to: 'alice@a.test',
  recipients: [{ address: 'bob@b.test', status: '5.1.1', remoteMta: 'mx.b.test', diagnostic: '550 5.1.1 No such user', lastAttempt: Date.UTC(2026, 10, 22, 11) }],
  original: Buffer.from('From: alice@a.test\r\nSubject: Hi\r\n\r\nBody\r\n'),
  headersOnly: false,
  date: Date.UTC(2026, 10, 22, 11),
  messageId: 'm1@mx.a.test',
  boundary: 'BOUNDARY',
  ...over,
});

test('a DSN is an RFC 3464 multipart/report that a MIME parser reads back', async () => {
  const raw = composeDsn(dsnInput());
  const parsed = await simpleParser(raw);
  assert.equal(parsed.subject, 'Undelivered Mail Returned to Sender');
  assert.match(String(parsed.headers.get('content-type') && (parsed.headers.get('content-type') as { value: string }).value), /multipart\/report/);
  const text = raw.toString();
  assert.match(text, /\r\n--BOUNDARY\r\nContent-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; mx\.a\.test\r\nX-Mailfold-Queue-ID: q1\r\nArrival-Date: Sun, 22 Nov 2026 10:00:00 \+0000\r\n\r\nFinal-Recipient: rfc822; bob@b\.test\r\nAction: failed\r\nStatus: 5\.1\.1\r\nRemote-MTA: dns; mx\.b\.test\r\nDiagnostic-Code: smtp; 550 5\.1\.1 No such user\r\nLast-Attempt-Date: Sun, 22 Nov 2026 11:00:00 \+0000\r\n/);
  assert.match(text, /Content-Type: message\/rfc822\r\n\r\nFrom: alice@a\.test\r\nSubject: Hi\r\n\r\nBody\r\n\r\n--BOUNDARY--\r\n$/);
  assert.match(text, /^Auto-Submitted: auto-replied\r\n/m);
});

test('a DSN keeps hostile text on one line: no header injection from replies, envids or addresses', () => {
  const raw = composeDsn(
    dsnInput({
      kind: 'delayed',
      envid: 'id\r\nBcc: victim@x.test',
      willRetryUntil: Date.UTC(2026, 10, 27),
      recipients: [{ address: 'bob@b.test', orcpt: 'rfc822;bob@b.test\r\nX: y', status: '4.0.0', diagnostic: '451 first\r\n451 second\nBcc: victim@x.test \u00e9' }],
      headersOnly: true,
      original: headerOf(Buffer.from('Subject: big\r\n\r\nsecret body')),
    }),
  );
  const text = raw.toString();
  assert.doesNotMatch(text, /^Bcc:/m);
  assert.doesNotMatch(text, /^X: y/m);
  assert.match(text, /Diagnostic-Code: smtp; 451 first 451 second Bcc: victim@x\.test \?\r\n/);
  assert.match(text, /Original-Envelope-Id: id Bcc: victim@x\.test\r\n/);
  assert.match(text, /Action: delayed\r\nStatus: 4\.0\.0\r\n/);
  assert.match(text, /Will-Retry-Until: Fri, 27 Nov 2026 00:00:00 \+0000/);
  assert.match(text, /Content-Type: text\/rfc822-headers\r\n\r\nSubject: big\r\n\r\n/);
  assert.doesNotMatch(text, /secret body/);
});

test('MX routes: preference order, implicit MX, null MX, unknown domain, and a DNS failure', async (t) => {
  const dns = await startDns(t, {
    'multi.test': { mx: [[20, 'second.multi.test.'], [5, 'First.multi.test'], [10, 'middle.multi.test']] },
    'bare.test': { a: ['127.0.0.9'] },
    'nomail.test': { mx: [[0, '.']] },
  });
  const resolver = createResolver({ servers: [dns.server] });
  assert.deepEqual(await findRoute(resolver, 'multi.test'), { ok: true, hosts: ['first.multi.test', 'middle.multi.test', 'second.multi.test'] });
  assert.deepEqual(await findRoute(resolver, 'bare.test'), { ok: true, hosts: ['bare.test'] });
  assert.deepEqual(await findRoute(resolver, 'nomail.test'), { ok: false, permanent: true, status: '5.1.10', reason: 'nomail.test does not accept mail (null MX, RFC 7505)' });
  assert.deepEqual(await findRoute(resolver, 'nowhere.test'), { ok: false, permanent: true, status: '5.1.2', reason: 'nowhere.test: no such domain' });
  const deaf = createResolver({ servers: [await deafDns(t)] });
  const pending = findRoute(deaf, 'multi.test');
  deaf.cancel();
  const failed = await pending;
  assert.equal(failed.ok, false);
  assert.ok(!failed.ok && !failed.permanent && failed.status === '4.4.3');
});

/** A TCP server that does something wrong with every connection. */
async function badServer(t: TestContext, behave: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    socket.on('error', () => {});
    behave(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

test('a broken MX (garbage, a refusing greeting, silence then close, endless lines) is no answer, so the next MX is tried', async (t) => {
  const behaviours: [string, (s: Socket) => void, RegExp][] = [
    ['garbage', (s) => s.end('HELLO THERE\r\n'), /./],
    ['refusing greeting', (s) => s.end('554 5.3.2 no service here\r\n'), /554/],
    ['close at once', (s) => s.destroy(), /./],
    ['endless line', (s) => s.end('220 ' + 'x'.repeat(2 * 1024 * 1024)), /./],
    ['EHLO refused', (s) => {
      s.write('220 hi\r\n');
      s.on('data', () => s.end('421 4.3.2 closing\r\n'));
    }, /421|closed/],
  ];
  for (const [name, behave, reason] of behaviours) {
    const port = await badServer(t, behave);
    const result = await sendVia(
      { host: '127.0.0.1', port, name: 'bad.test', security: 'opportunistic', verifyCertificate: false, helo: 'mx.a.test' },
      [{ from: 'a@a.test', to: ['b@bad.test'], size: 10 }],
      () => Readable.from([Buffer.from('Subject: x\r\n\r\nx\r\n')]),
      new AbortController().signal,
    );
    assert.equal(result.replies.size, 0, name);
    assert.match((result.failure?.reason ?? '') + (result.failure?.reply?.text ?? ''), reason, name);
  }
});

test('one transaction per set of NOTIFY and ORCPT; RET and ENVID go with every one', () => {
  const r = (address: string, notify?: string[], orcpt?: string) => ({
    address,
    state: 'pending' as const,
    attempts: 0,
    nextAttempt: 0,
    ...(notify ? { notify } : {}),
    ...(orcpt ? { orcpt } : {}),
  });
  const entry: QueueEntry = {
    id: 'x',
    from: 'a@a.test',
    size: 5,
    createdAt: 0,
    delayWarned: false,
    envid: 'e1',
    ret: 'HDRS',
    recipients: [r('p@b.test', ['SUCCESS']), r('q@b.test'), r('s@b.test', ['SUCCESS']), r('t@b.test', ['SUCCESS'], 'rfc822;list@a.test'), r('u@b.test')],
  };
  assert.deepEqual(envelopes(entry, ['p@b.test', 'q@b.test', 's@b.test', 't@b.test']), [
    { from: 'a@a.test', to: ['p@b.test', 's@b.test'], size: 5, dsn: { ret: 'HDRS', envid: 'e1', notify: ['SUCCESS'] } },
    { from: 'a@a.test', to: ['q@b.test'], size: 5, dsn: { ret: 'HDRS', envid: 'e1' } },
    { from: 'a@a.test', to: ['t@b.test'], size: 5, dsn: { ret: 'HDRS', envid: 'e1', notify: ['SUCCESS'], orcpt: 'rfc822;list@a.test' } },
  ]);
  const plain: QueueEntry = { ...entry, recipients: [r('q@b.test'), r('u@b.test')] };
  delete plain.envid;
  delete plain.ret;
  assert.deepEqual(envelopes(plain, ['q@b.test', 'u@b.test']), [{ from: 'a@a.test', to: ['q@b.test', 'u@b.test'], size: 5 }]);
});

test('RFC 8689: REQUIRETLS wins over TLS-Required, whose only value is No; only an authenticated, verified hop carries REQUIRETLS', () => {
  const m = (header: string) => Buffer.from(`${header}From: a@a.test\r\n\r\nTLS-Required: No\r\n`);
  assert.equal(tlsRequirement(true, m('TLS-Required: No\r\n')), true);
  assert.equal(tlsRequirement(undefined, m('TLS-Required: No\r\n')), false);
  assert.equal(tlsRequirement(false, m('tls-required:   NO  \r\n')), false);
  assert.equal(tlsRequirement(undefined, m('TLS-Required:\r\n No\r\n')), false, 'folded');
  for (const other of ['TLS-Required: Yes\r\n', 'TLS-Required: No thanks\r\n', 'X-TLS-Required: No\r\n', '']) {
    assert.equal(tlsRequirement(undefined, m(other)), undefined, `${JSON.stringify(other)} (and the body's line) is no header field`);
  }
  // A field past the first 64 KB of header is not looked for; a huge header costs no more than that.
  assert.equal(tlsRequirement(undefined, m(`X-Pad: ${'a'.repeat(70_000)}\r\nTLS-Required: No\r\n`)), undefined);
  assert.equal(tlsRequirement(undefined, Buffer.alloc(0)), undefined);

  assert.equal(mayCarryRequireTls({ policy: 'mta-sts', verified: true }), true);
  assert.equal(mayCarryRequireTls({ policy: 'dane', verified: true }), true);
  assert.equal(mayCarryRequireTls({ policy: 'mta-sts', verified: false }), false);
  assert.equal(mayCarryRequireTls({ policy: 'opportunistic', verified: true }), false);
});
