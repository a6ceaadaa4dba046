import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { checkLogin, type LoginGuards } from '../src/auth/login.ts';
import { passwordRecord } from '../src/auth/password.ts';
import { AuthThrottle, type ThrottleSettings } from '../src/auth/throttle.ts';
import { VerifiedLogins } from '../src/auth/verified-logins.ts';
import { renderMetrics } from '../src/metrics/registry.ts';
import type { Store } from '../src/store/types.ts';
import { imapflow, PASSWORD, startImapServer } from './helpers/imap.ts';
import { addAccount, testStore } from './helpers/store.ts';

const ALICE = 'alice@example.org';
const NEW_PASSWORD = 'a whole new passphrase';

/** A counter of this process's metrics: the tests of this file run one after another. */
function counter(name: 'mailfold_password_checks_total' | 'mailfold_password_cache_hits_total'): number {
  const line = new RegExp(`^${name} (\\d+)$`, 'm').exec(renderMetrics());
  return line ? Number(line[1]) : 0;
}

/** Runs `attempt` and says how many argon2id checks and cache hits it cost. */
async function costOf<T>(attempt: () => Promise<T>): Promise<{ result: T; checks: number; hits: number }> {
  const checks = counter('mailfold_password_checks_total');
  const hits = counter('mailfold_password_cache_hits_total');
  const result = await attempt();
  return { result, checks: counter('mailfold_password_checks_total') - checks, hits: counter('mailfold_password_cache_hits_total') - hits };
}

async function setup(t: TestContext, ttlSeconds = 3600, throttle: Partial<ThrottleSettings> = {}): Promise<{ store: Store; guards: LoginGuards }> {
  const { store } = await testStore(t);
  await addAccount(store, ALICE);
  const guards = { throttle: new AuthThrottle({ maxFailures: 5, windowSeconds: 60, ...throttle }), verified: new VerifiedLogins({ ttlSeconds }) };
  t.after(() => guards.throttle.close());
  return { store, guards };
}

const login = (store: Store, guards: LoginGuards, password: string, ip = '192.0.2.1') => () => checkLogin(store, guards, { ip, username: ALICE, password, service: 'imap' });

test('the second login with the same password is not verified by argon2id again', async (t) => {
  const { store, guards } = await setup(t);
  const first = await costOf(login(store, guards, PASSWORD));
  assert.equal(first.result.ok, true);
  assert.deepEqual([first.checks, first.hits], [1, 0]);
  const second = await costOf(login(store, guards, PASSWORD));
  assert.equal(second.result.ok, true);
  assert.deepEqual([second.checks, second.hits], [0, 1]);
});

test('a wrong password after a remembered right one fails, by argon2id, and the right one is still remembered', async (t) => {
  const { store, guards } = await setup(t);
  await login(store, guards, PASSWORD)();
  const wrong = await costOf(login(store, guards, 'not the password at all'));
  assert.deepEqual(wrong.result, { ok: false, reason: 'invalid' });
  assert.deepEqual([wrong.checks, wrong.hits], [1, 0]);
  // Another address: the one that failed waits a little first, which is the throttle's business.
  const right = await costOf(login(store, guards, PASSWORD, '192.0.2.2'));
  assert.equal(right.result.ok, true);
  assert.deepEqual([right.checks, right.hits], [0, 1]);
});

test('a changed password: the old one fails at once, the new one is verified once, then remembered', async (t) => {
  const { store, guards } = await setup(t);
  await login(store, guards, PASSWORD)();
  const { passwordHash, scram } = await passwordRecord(NEW_PASSWORD);
  await store.updateAccount(ALICE, { passwordHash, scram });
  const old = await costOf(login(store, guards, PASSWORD));
  assert.deepEqual(old.result, { ok: false, reason: 'invalid' });
  assert.deepEqual([old.checks, old.hits], [1, 0]);
  const fresh = await costOf(login(store, guards, NEW_PASSWORD, '192.0.2.2'));
  assert.deepEqual([fresh.result.ok, fresh.checks, fresh.hits], [true, 1, 0]);
  const again = await costOf(login(store, guards, NEW_PASSWORD, '192.0.2.2'));
  assert.deepEqual([again.result.ok, again.checks, again.hits], [true, 0, 1]);
});

test('a disabled account is refused with a remembered password, and once enabled again needs argon2id', async (t) => {
  const { store, guards } = await setup(t);
  await login(store, guards, PASSWORD)();
  await store.updateAccount(ALICE, { disabled: true });
  const disabled = await costOf(login(store, guards, PASSWORD));
  assert.deepEqual(disabled.result, { ok: false, reason: 'disabled' });
  assert.equal(guards.verified.size, 0);
  await store.updateAccount(ALICE, { disabled: false });
  const enabled = await costOf(login(store, guards, PASSWORD));
  assert.deepEqual([enabled.result.ok, enabled.checks, enabled.hits], [true, 1, 0]);
});

test('the throttle refuses before the remembered password is looked at', async (t) => {
  const { store, guards } = await setup(t, 3600, { ipMaxFailures: 1 });
  await login(store, guards, PASSWORD)();
  await login(store, guards, 'not the password at all', '198.51.100.7')();
  const refused = await costOf(login(store, guards, PASSWORD, '198.51.100.7'));
  assert.equal(refused.result.ok, false);
  assert.equal(!refused.result.ok && refused.result.reason, 'throttled');
  assert.deepEqual([refused.checks, refused.hits], [0, 0]);
});

test('auth.cache_ttl = 0: every login is verified by argon2id', async (t) => {
  const { store, guards } = await setup(t, 0);
  for (let i = 0; i < 2; i++) {
    const cost = await costOf(login(store, guards, PASSWORD));
    assert.deepEqual([cost.result.ok, cost.checks, cost.hits], [true, 1, 0]);
  }
  assert.equal(guards.verified.size, 0);
});

test('entries expire after the ttl and the least recently used goes first past the bound', () => {
  let now = 1_000_000;
  const verified = new VerifiedLogins({ ttlSeconds: 60, maxEntries: 2, now: () => now });
  verified.remember(1, 'hash-1', 'pw-1');
  verified.remember(2, 'hash-2', 'pw-2');
  assert.equal(verified.has(1, 'hash-1', 'pw-1'), true);
  verified.remember(3, 'hash-3', 'pw-3');
  assert.equal(verified.size, 2);
  assert.equal(verified.has(2, 'hash-2', 'pw-2'), false, 'the least recently used was forgotten');
  assert.equal(verified.has(1, 'hash-1', 'pw-1'), true);
  assert.equal(verified.has(3, 'hash-3', 'pw-3'), true);
  assert.equal(verified.has(3, 'hash-3', 'pw-3x'), false, 'another password');
  assert.equal(verified.has(3, 'hash-3x', 'pw-3'), false, 'another stored hash');
  assert.equal(verified.has(1, 'hash-3', 'pw-3'), false, 'another account');
  now += 60_000;
  assert.equal(verified.has(1, 'hash-1', 'pw-1'), false, 'expired');
  assert.equal(verified.size, 1);
});

test('many accounts cannot grow it past its bound', () => {
  const verified = new VerifiedLogins({ ttlSeconds: 3600 });
  for (let id = 0; id < 10_050; id++) verified.remember(id, 'hash', 'password');
  assert.equal(verified.size, 10_000);
});

test('IMAP over imapflow: the second login is served from the cache, and not with auth.cache_ttl = 0', async (t) => {
  for (const ttl of [3600, 0]) {
    const { store, port } = await startImapServer(t, (config) => (config.auth.cache_ttl = ttl));
    await addAccount(store, ALICE);
    const first = await costOf(async () => (await imapflow(t, port, ALICE)).logout());
    const second = await costOf(async () => (await imapflow(t, port, ALICE)).logout());
    assert.deepEqual([first.checks, first.hits], [1, 0], `ttl ${ttl}`);
    assert.deepEqual([second.checks, second.hits], ttl > 0 ? [0, 1] : [1, 0], `ttl ${ttl}`);
  }
});
