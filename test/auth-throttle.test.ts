import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AuthThrottle } from '../src/auth/throttle.ts';

test('failures grow the delay, then refuse until the window has passed', () => {
  let now = 1_000_000;
  const throttle = new AuthThrottle({ maxFailures: 4, windowSeconds: 60, baseDelayMs: 100, maxDelayMs: 250 }, () => now);
  assert.deepEqual(throttle.check('192.0.2.1', 'alice@example.org'), { allowed: true, delayMs: 0 });
  const delays: number[] = [];
  for (let i = 0; i < 4; i++) {
    throttle.recordFailure('192.0.2.1', 'alice@example.org');
    const verdict = throttle.check('192.0.2.1', 'alice@example.org');
    delays.push(verdict.allowed ? verdict.delayMs : -1);
  }
  assert.deepEqual(delays, [100, 200, 250, -1]);
  assert.deepEqual(throttle.check('192.0.2.1', 'bob@example.org'), { allowed: false, retryAfterSeconds: 60 }, 'the IP is refused for any account');
  assert.deepEqual(throttle.check('198.51.100.7', 'ALICE@example.org'), { allowed: false, retryAfterSeconds: 60 }, 'the account is refused from any IP');
  assert.deepEqual(throttle.check('198.51.100.7', 'bob@example.org'), { allowed: true, delayMs: 0 });
  now += 30_000;
  assert.deepEqual(throttle.check('192.0.2.1', 'x'), { allowed: false, retryAfterSeconds: 30 });
  now += 30_000;
  assert.deepEqual(throttle.check('192.0.2.1', 'alice@example.org'), { allowed: true, delayMs: 0 }, 'the window has passed');
});

test('a success clears the account but not the address it came from', () => {
  const throttle = new AuthThrottle({ maxFailures: 2, windowSeconds: 60, baseDelayMs: 10 }, () => 0);
  throttle.recordFailure('192.0.2.1', 'alice@example.org');
  throttle.recordFailure('192.0.2.9', 'alice@example.org');
  assert.equal(throttle.check('203.0.113.5', 'alice@example.org').allowed, false);
  throttle.recordSuccess('alice@example.org');
  assert.deepEqual(throttle.check('203.0.113.5', 'alice@example.org'), { allowed: true, delayMs: 0 });
  assert.deepEqual(throttle.check('192.0.2.1', 'carol@example.org'), { allowed: true, delayMs: 10 });
});
