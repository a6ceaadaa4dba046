import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FairLimiter } from '../src/auth/fair-limiter.ts';
import { AuthThrottle, type CheckOutcome } from '../src/auth/throttle.ts';
import { clientKey } from '../src/net/client-key.ts';

/** An attempt whose check ends when the test says so; `source` is what the throttle passed it. */
function attempt(throttle: AuthThrottle, ip: string, account: string) {
  let finish!: (outcome: CheckOutcome) => void;
  let started = false;
  let known: boolean | undefined;
  const ended = new Promise<CheckOutcome>((resolve) => (finish = resolve));
  const result = throttle.guard(ip, account, async (source) => {
    started = true;
    known = source.known;
    return { outcome: await ended, value: 'checked' };
  });
  return { result, finish, started: () => started, known: () => known };
}

/** One complete attempt with the given outcome; resolves to the refusal's limit, or 'checked'. */
async function tryOnce(throttle: AuthThrottle, ip: string, account: string, outcome: CheckOutcome): Promise<string> {
  const result = await throttle.guard(ip, account, async () => ({ outcome, value: 'checked' }));
  return 'refused' in result ? result.refused.limit : result.value;
}

const fast = { baseDelayMs: 1, maxDelayMs: 1 };

/** Resolves once `done()` holds, checked after each turn of the event loop. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

test('attempts sent at once are judged at their turn: the burst meets the limit once the failures ahead of it are counted', async () => {
  const throttle = new AuthThrottle({ maxFailures: 3, windowSeconds: 60, ...fast });
  const burst = Array.from({ length: 6 }, () => attempt(throttle, '192.0.2.1', 'alice@example.org'));
  await until(() => burst[0]!.started() && burst[1]!.started());
  assert.deepEqual(burst.map((a) => a.started()), [true, true, false, false, false, false], 'two checks at once per account');
  burst[0]!.finish('failure');
  burst[1]!.finish('failure');
  await until(() => burst[2]!.started());
  burst[2]!.finish('failure');
  const refusals = await Promise.all(burst.slice(3).map(async (a) => {
    const r = await a.result;
    return 'refused' in r ? r.refused.limit : 'checked';
  }));
  assert.deepEqual(refusals, ['account', 'account', 'account'], 'the rest meet the three failures ahead of them, unchecked');
  assert.ok(burst.slice(3).every((a) => !a.started()));
  assert.equal(await tryOnce(throttle, '198.51.100.7', 'alice@example.org', 'success'), 'account', 'a new address is refused, right password or not');
});

test('devices logging in together from a new address wait their turn and all get in', async () => {
  const throttle = new AuthThrottle({ maxFailures: 3, windowSeconds: 60, ...fast });
  const burst = Array.from({ length: 8 }, () => attempt(throttle, '192.0.2.1', 'alice@example.org'));
  for (const a of burst) {
    await until(a.started);
    a.finish('success');
  }
  assert.ok((await Promise.all(burst.map((a) => a.result))).every((r) => 'value' in r));
});

test('at most two checks run at once per address; a short queue, then refused at once as busy', async () => {
  const throttle = new AuthThrottle({ maxFailures: 100, ipMaxFailures: 100, windowSeconds: 60, checksPerIp: 2, queuePerIp: 3, ...fast });
  const burst = Array.from({ length: 6 }, (_, i) => attempt(throttle, '192.0.2.1', `user${i}@example.org`));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(burst.map((a) => a.started()), [true, true, false, false, false, false]);
  const last = await burst[5]!.result;
  assert.ok('refused' in last && last.refused.limit === 'busy', 'the sixth is over 2 running + 3 waiting');
  for (const a of burst.slice(0, 5)) a.finish('neither');
  assert.ok((await Promise.all(burst.slice(0, 5).map((a) => a.result))).every((r) => 'value' in r));
});

test('per address: growing delays, then refused past ipMaxFailures for every account', async () => {
  let now = 1_000_000;
  const throttle = new AuthThrottle({ maxFailures: 100, ipMaxFailures: 4, windowSeconds: 60, ...fast }, () => now);
  for (let i = 0; i < 4; i++) assert.equal(await tryOnce(throttle, '192.0.2.1', `user${i}@example.org`, 'failure'), 'checked');
  assert.equal(await tryOnce(throttle, '192.0.2.1', 'bob@example.org', 'success'), 'address');
  assert.equal(await tryOnce(throttle, '192.0.2.99', 'bob@example.org', 'success'), 'checked', 'another address is not concerned');
  now += 60_000;
  assert.equal(await tryOnce(throttle, '192.0.2.1', 'bob@example.org', 'success'), 'checked', 'the window has passed');
});

test('an address the owner logged in from keeps working while the account is attacked from elsewhere', async () => {
  const throttle = new AuthThrottle({ maxFailures: 2, ipMaxFailures: 50, windowSeconds: 60, ...fast });
  assert.equal(await tryOnce(throttle, '192.0.2.10', 'alice@example.org', 'success'), 'checked');
  for (let i = 0; i < 2; i++) await tryOnce(throttle, '203.0.113.5', 'alice@example.org', 'failure');
  assert.equal(await tryOnce(throttle, '203.0.113.5', 'alice@example.org', 'success'), 'account');
  assert.equal(await tryOnce(throttle, '198.51.100.1', 'ALICE@example.org', 'success'), 'account', 'any new address is locked out');
  const device = attempt(throttle, '192.0.2.10', 'alice@example.org');
  device.finish('success');
  assert.ok('value' in (await device.result));
  assert.equal(device.known(), true, 'the check is marked as coming from a known device');
  // The same /64 counts as the same place.
  assert.equal(await tryOnce(throttle, '2001:db8:1:2::1', 'bob@example.org', 'success'), 'checked');
  for (let i = 0; i < 2; i++) await tryOnce(throttle, '192.0.2.66', 'bob@example.org', 'failure');
  assert.equal(await tryOnce(throttle, '2001:db8:1:2:ffff::9', 'bob@example.org', 'success'), 'checked');
});

test('clientKey: IPv4 as is, IPv4-mapped as IPv4, IPv6 by its /64', () => {
  assert.equal(clientKey('192.0.2.1'), '192.0.2.1');
  assert.equal(clientKey('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(clientKey('2001:db8:0:1::5'), '2001:db8:0:1::/64');
  assert.equal(clientKey('2001:0DB8:0000:0001:aaaa:bbbb:cccc:dddd'), '2001:db8:0:1::/64');
  assert.equal(clientKey('2001:db8::'), '2001:db8:0:0::/64');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(clientKey('unknown'), 'unknown');
});

test('FairLimiter serves waiting sources in turns, by priority first', async () => {
  const limiter = new FairLimiter(1, 3);
  const order: string[] = [];
  let release!: () => void;
  const first = limiter.run('flood', () => new Promise<void>((resolve) => (release = resolve)));
  const runs = [
    ...['f1', 'f2', 'f3'].map((n) => limiter.run('flood', async () => void order.push(n), 2)),
    limiter.run('other', async () => void order.push('o'), 2),
    limiter.run('bystander', async () => void order.push('b'), 1),
    limiter.run('device', async () => void order.push('d'), 0),
  ];
  assert.equal(limiter.waiting, 6);
  release();
  await Promise.all([first, ...runs]);
  assert.deepEqual(order, ['d', 'b', 'f1', 'o', 'f2', 'f3']);
});

test('close(): attempts waiting for their turn or their delay are refused at once, the running one finishes', async () => {
  const throttle = new AuthThrottle({ maxFailures: 100, ipMaxFailures: 100, windowSeconds: 60, checksPerIp: 1, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 });
  assert.equal(await tryOnce(throttle, '192.0.2.1', 'a@example.org', 'failure'), 'checked');
  // The next attempt from that address now waits an hour before its check; one more waits behind it.
  const delayed = throttle.guard('192.0.2.1', 'b@example.org', async () => ({ outcome: 'failure' as const, value: 'checked' }));
  const queued = throttle.guard('192.0.2.1', 'c@example.org', async () => ({ outcome: 'failure' as const, value: 'checked' }));
  throttle.close();
  for (const result of await Promise.all([delayed, queued])) assert.ok('refused' in result && result.refused.limit === 'busy');
  assert.equal(await tryOnce(throttle, '198.51.100.1', 'd@example.org', 'success'), 'busy', 'nothing new starts');
});

test('the tracked failures are bounded: past 100,000 keys the oldest are forgotten', async () => {
  const throttle = new AuthThrottle({ maxFailures: 1_000_000, ipMaxFailures: 1, windowSeconds: 60, baseDelayMs: 0, maxDelayMs: 0 });
  await tryOnce(throttle, '10.0.0.0', 'x@example.org', 'failure');
  assert.equal(await tryOnce(throttle, '10.0.0.0', 'x@example.org', 'failure'), 'address');
  for (let i = 1; i <= 100_001; i++) await tryOnce(throttle, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, 'x@example.org', 'failure');
  assert.equal(await tryOnce(throttle, '10.0.0.0', 'x@example.org', 'failure'), 'checked');
});

test('the check is told whether its address failed recently, so that the argon2 queue serves clean addresses first', async () => {
  const throttle = new AuthThrottle({ maxFailures: 100, windowSeconds: 60, ...fast });
  const seen: boolean[] = [];
  const once = (ip: string, outcome: CheckOutcome) =>
    throttle.guard(ip, 'a@example.org', async (source) => {
      seen.push(source.failedRecently);
      return { outcome, value: null };
    });
  await once('192.0.2.1', 'failure');
  await once('192.0.2.1', 'failure');
  await once('192.0.2.2', 'success');
  assert.deepEqual(seen, [false, true, false]);
});

test('an attempt queued behind a failing one from its address sees that failure when its turn comes', async () => {
  const throttle = new AuthThrottle({ maxFailures: 100, windowSeconds: 60, checksPerIp: 1, ...fast });
  const first = attempt(throttle, '192.0.2.1', 'a@example.org');
  let failedRecently: boolean | undefined;
  const second = throttle.guard('192.0.2.1', 'b@example.org', async (source) => {
    failedRecently = source.failedRecently;
    return { outcome: 'failure' as const, value: null };
  });
  first.finish('failure');
  await Promise.all([first.result, second]);
  assert.equal(failedRecently, true);
});
