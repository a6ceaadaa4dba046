import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { normalizeAddress } from '../delivery/address.ts';
import type { Account, Directory } from '../store/types.ts';
import { hashPassword, verifyPassword } from './password.ts';
import type { AuthThrottle } from './throttle.ts';
import { increment } from '../metrics/registry.ts';

export interface LoginAttempt {
  /** The client's IP address, for throttling. */
  ip: string;
  username: string;
  password: string;
  /** SASL authorization identity; only empty or the user's own address is accepted. */
  authzid?: string;
}

export type LoginResult =
  | { ok: true; account: Account }
  | { ok: false; reason: 'invalid' | 'disabled' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

let dummyHash: Promise<string> | null = null;

/**
 * The one password check of every protocol: throttle first, then the argon2id
 * verification, then the account state. An unknown user costs the same hash as a
 * known one, so the answer time does not tell which addresses exist.
 */
export async function checkLogin(store: Directory, throttle: AuthThrottle, attempt: LoginAttempt): Promise<LoginResult> {
  const address = normalizeAddress(attempt.username);
  const name = address ?? attempt.username;
  const verdict = throttle.check(attempt.ip, name);
  if (!verdict.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: verdict.retryAfterSeconds };
  if (verdict.delayMs > 0) await delay(verdict.delayMs);

  const account = address ? await store.getAccount(address) : null;
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  const valid = await verifyPassword(account?.passwordHash ?? (await dummyHash), attempt.password);
  const authzOk = !attempt.authzid || normalizeAddress(attempt.authzid) === address;
  if (!account || !valid || !authzOk) {
    throttle.recordFailure(attempt.ip, name);
    increment('mailfold_auth_failures_total');
    return { ok: false, reason: 'invalid' };
  }
  throttle.recordSuccess(name);
  return account.disabled ? { ok: false, reason: 'disabled' } : { ok: true, account };
}
