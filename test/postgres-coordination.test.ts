/**
 * What the nodes of one PostgreSQL database do once between them (issue 19): a lease held
 * by one store instance is refused to another until released or until its holder is gone,
 * failed logins recorded by one are counted by the other, and through two `serve` nodes a
 * POP3 maildrop open on one is IN-USE on the other, and guessing on one is throttled on both.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import postgres from 'postgres';
import { lockConnectionName } from '../src/store/postgres/coordination.ts';
import { openPostgresStore } from '../src/store/postgres/store.ts';
import { AcmeChallenges } from '../src/tls/challenges.ts';
import { CertificateManager } from '../src/tls/manager.ts';
import { createSelfSigned } from '../src/tls/self-signed.ts';
import { freePort } from './helpers/pebble.ts';
import { exited, runCli, tempDir } from './helpers/env.ts';
import { PASSWORD, RawClient } from './helpers/pop3.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { serveOnFreePorts } from './helpers/serve.ts';

const database = postgresForFile();
const ALICE = 'alice@example.org';

/** Two store instances on one new database, as two nodes have them, and its URL. */
async function twoStores(t: TestContext) {
  const url = await database(t);
  if (!url) return null;
  const open = async () => {
    const store = await openPostgresStore({ url, poolSize: 2, tls: { mode: 'off' }, chunkSize: 65536 });
    t.after(() => store.close().catch(() => {}));
    return store;
  };
  return [await open(), await open(), url] as const;
}

test('a lease held by one node is refused to the other until released, and freed when its holder closes', async (t) => {
  const stores = await twoStores(t);
  if (!stores) return;
  const [a, b] = stores;
  const held = await a.tryLease('pop3:1');
  assert.ok(held);
  assert.equal(await b.tryLease('pop3:1'), null);
  await held.release();
  const onB = await b.tryLease('pop3:1');
  assert.ok(onB, 'free for node B once node A released it');
  assert.equal(await a.tryLease('pop3:1'), null);
  // Node B goes away without releasing: its lock connection ends, and the lease with it.
  await b.close();
  const onA = await a.tryLease('pop3:1');
  assert.ok(onA);
  await onA.release();
});

test('a lease whose lock connection is terminated is lost (its signal aborts), the other node takes it, and the next lease is taken on a new connection', async (t) => {
  const stores = await twoStores(t);
  if (!stores) return;
  const [a, b, url] = stores;
  const held = await a.tryLease('pop3:7');
  const other = await a.tryLease('acme-order');
  assert.ok(held && other);
  assert.equal(held.lost.aborted, false);
  const lost = Promise.all([once(held.lost, 'abort'), once(other.lost, 'abort')]);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  t.after(() => admin.end({ timeout: 1 }));
  // Only node A has taken a lease, so the lock connection of this process's name is A's.
  const killed = await admin`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ${lockConnectionName()}`;
  assert.deepEqual(killed.map((r) => r.ok), [true]);
  await lost;
  // The backend has ended by then (PostgreSQL frees its locks before it closes the socket): B gets the lease at once.
  const onB = await b.tryLease('pop3:7');
  assert.ok(onB, 'a lost lease is free for the other node');
  assert.equal(await held.held(), false, 'asked, node A knows it no longer holds it');
  assert.equal(await a.tryLease('pop3:7'), null, 'the name stays held in node A until its session lets the lost lease go');
  await held.release();
  assert.equal(await a.tryLease('pop3:7'), null, 'then node B has it');
  await onB.release();
  const again = await a.tryLease('pop3:7');
  assert.ok(again, 'node A locks again, on a new lock connection');
  assert.equal(again.lost.aborted, false);
  assert.equal(await b.tryLease('pop3:7'), null);
  await Promise.all([again.release(), other.release()]);
});

test('failed logins recorded by one node are counted by the other; an expired count starts again', async (t) => {
  const stores = await twoStores(t);
  if (!stores) return;
  const [a, b] = stores;
  const now = 1_000_000;
  await a.recordLoginFailures(['ip:192.0.2.1', 'acct:alice@example.org'], now, now + 60_000);
  await b.recordLoginFailures(['acct:alice@example.org', 'ip:192.0.2.1'], now + 1, now + 60_001);
  await b.recordLoginFailures(['ip:192.0.2.9'], now, now + 10);
  const seen = await a.loginFailures(['ip:192.0.2.1', 'acct:alice@example.org', 'ip:192.0.2.9', 'ip:192.0.2.2'], now + 20);
  assert.deepEqual(Object.fromEntries(seen), {
    'ip:192.0.2.1': { count: 2, expiresAt: now + 60_001 },
    'acct:alice@example.org': { count: 2, expiresAt: now + 60_001 },
  });
  await a.recordLoginFailures(['ip:192.0.2.9'], now + 20, now + 80);
  assert.equal((await b.loginFailures(['ip:192.0.2.9'], now + 21)).get('ip:192.0.2.9')?.count, 1);
});

test('ACME: while another node holds the order lease this one does not order; then it does, serving what the other stored', async (t) => {
  const stores = await twoStores(t);
  if (!stores) return;
  const [a, b] = stores;
  const hostname = 'mail.example.org';
  // A directory nobody answers at: an order that is attempted fails, which the state records.
  const directoryUrl = `http://127.0.0.1:${await freePort()}/dir`;
  const manager = await CertificateManager.start({
    store: b, log: pino({ level: 'silent' }), hostname, acme: { settings: { directoryUrl, challenge: 'http-01' }, challenges: new AcmeChallenges(b) },
  });
  t.after(() => manager.close());
  const ordering = await a.tryLease('acme-order');
  assert.ok(ordering);
  await assert.rejects(manager.renew(), /another node of this store is ordering/);
  assert.equal(await b.getAcmeState(), null, 'no order was attempted');

  // Node A stores its new certificate and lets go; node B, asked to renew, serves it and orders (and fails here).
  const renewedElsewhere = { ...(await createSelfSigned(hostname)), source: 'acme' as const };
  await a.putCertificate(hostname, renewedElsewhere);
  await ordering.release();
  await assert.rejects(manager.renew(), (err: Error) => !/another node/.test(err.message));
  assert.equal((await b.getAcmeState())?.failures, 1);
  assert.equal(manager.provider.certificate.certPem, renewedElsewhere.certPem);
});

test('two serve nodes: a maildrop open on one is IN-USE on the other, free when the session ends or its node is killed', async (t) => {
  const url = await database(t);
  if (!url) return;
  const store = `[store]\nbackend = "postgres"\nurl = "${url}"\ntls = "off"\n`;
  const nodeA = await serveOnFreePorts(t, tempDir(t), { extra: store });
  const nodeB = await serveOnFreePorts(t, tempDir(t), { extra: store });
  const cli = (args: string[], input?: string) => runCli(['--config', nodeA.config, ...args], { cwd: join(nodeA.config, '..'), input });
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);

  const login = async (port: number) => {
    const client = await RawClient.connect(port);
    assert.match((await client.line())!, /^\+OK/);
    assert.match(await client.command(`USER ${ALICE}`), /^\+OK/);
    return { client, reply: await client.command(`PASS ${PASSWORD}`) };
  };
  const onA = await login(nodeA.ports.pop3);
  assert.match(onA.reply, /^\+OK/);
  const refused = await login(nodeB.ports.pop3);
  assert.match(refused.reply, /^-ERR \[IN-USE\]/);
  refused.client.close();
  assert.match(await onA.client.command('QUIT'), /^\+OK/);

  const onB = await login(nodeB.ports.pop3);
  assert.match(onB.reply, /^\+OK/, 'free once the session on node A ended');
  assert.match((await login(nodeA.ports.pop3)).reply, /^-ERR \[IN-USE\]/);
  // Node B dies holding the maildrop: PostgreSQL ends its lock with its connection. When the
  // database has noticed is not an event a test can wait on, so node A is asked until it answers.
  nodeB.child.kill('SIGKILL');
  await exited(nodeB.child);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const attempt = await login(nodeA.ports.pop3);
    attempt.client.close();
    if (attempt.reply.startsWith('+OK')) break;
    assert.match(attempt.reply, /^-ERR \[IN-USE\]/);
    assert.ok(Date.now() < deadline, 'the maildrop of a killed node stays locked');
  }
});

test('two serve nodes: failed logins on one node count on the other', async (t) => {
  const url = await database(t);
  if (!url) return;
  const store = `[store]\nbackend = "postgres"\nurl = "${url}"\ntls = "off"\n[auth]\nthrottle_ip_max_failures = 3\n`;
  const nodeA = await serveOnFreePorts(t, tempDir(t), { extra: store });
  const nodeB = await serveOnFreePorts(t, tempDir(t), { extra: store });
  const cli = (args: string[], input?: string) => runCli(['--config', nodeA.config, ...args], { cwd: join(nodeA.config, '..'), input });
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);

  const pass = async (port: number, password: string) => {
    const client = await RawClient.connect(port);
    await client.line();
    await client.command(`USER ${ALICE}`);
    const reply = await client.command(`PASS ${password}`);
    client.close();
    return reply;
  };
  for (let i = 0; i < 3; i++) assert.match(await pass(nodeA.ports.pop3, 'wrong guess'), /^-ERR \[AUTH\]/);
  // The right password on node B, from the same address: refused, the address is out of attempts.
  assert.match(await pass(nodeB.ports.pop3, PASSWORD), /^-ERR \[SYS\/TEMP\] Too many failed logins/);
});
