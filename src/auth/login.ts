import { randomBytes } from 'node:crypto';
import { normalizeAddress } from '../delivery/address.ts';
import type { AppPasswordStore } from '../store/app-passwords.ts';
import type { Account, Directory } from '../store/types.ts';
import { matchAppPassword } from './app-password.ts';
import { hashPassword, verifyPassword, type CheckSource } from './password.ts';
import type { AuthThrottle, CheckOutcome, ThrottleLimit } from './throttle.ts';
import { increment } from '../metrics/registry.ts';
import type { ScramServer } from './scram.ts';
import { securityEvents } from './security-events.ts';
import type { VerifiedLogins } from './verified-logins.ts';

export interface LoginAttempt {
  /** The client's IP address, for throttling. */
  ip: string;
  username: string;
  password: string;
  /** SASL authorization identity; only empty or the user's own address is accepted. */
  authzid?: string;
  /** SCRAM: a finished exchange whose proof replaces the password check. */
  scram?: ScramServer;
  /** Who asks (imap, pop3, smtp, web), for the security events the admin sees. */
  service?: string;
  /** Only the main password: what changing it asks for. App passwords are for mail clients. */
  mainPasswordOnly?: boolean;
}

export type LoginResult =
  /** serverFinal: SCRAM's server-final-message, sent to the client before it is told it succeeded. */
  /** appPassword: the name of the app password that was used, when one was. */
  | { ok: true; account: Account; serverFinal?: string; appPassword?: string }
  | { ok: false; reason: 'invalid' | 'disabled' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number; limit: ThrottleLimit };

/** What the login check reads: the account, and its app passwords. */
export type LoginStore = Directory & Pick<AppPasswordStore, 'listAppPasswords'>;

/** What every login shares, whichever protocol it comes by: the throttle, and the passwords verified lately. */
export interface LoginGuards {
  throttle: AuthThrottle;
  verified: VerifiedLogins;
}

let dummyHash: Promise<string> | null = null;

/**
 * The one password check of every protocol, run under the throttle: the attempt is
 * counted before the argon2id verification starts. An unknown user costs the same hash
 * as a known one, so the answer time does not tell which addresses exist. A main password
 * verified lately against the account's current hash is not verified again (`verified`):
 * looked up under the throttle too, so a hit is as throttled as a check. App passwords
 * are not remembered: their check is one SHA-256 already.
 */
export async function checkLogin(store: LoginStore, { throttle, verified }: LoginGuards, attempt: LoginAttempt): Promise<LoginResult> {
  const address = normalizeAddress(attempt.username);
  const name = address ?? attempt.username;
  const service = attempt.service ?? 'mail';
  const guarded = await throttle.guard(attempt.ip, name, async (source): Promise<{ outcome: CheckOutcome; value: LoginResult }> => {
    const account = address ? await store.getAccount(address) : null;
    let valid: boolean;
    let serverFinal: string | undefined;
    let appPassword: string | undefined;
    if (attempt.scram) {
      // An account whose password predates SCRAM has no keys: it fails like a wrong password.
      // SCRAM proves knowledge of the main password's keys only: app passwords have none.
      serverFinal = (account?.scram && attempt.scram.verify(account.scram)) || undefined;
      valid = serverFinal !== undefined;
    } else {
      appPassword = account && !attempt.mainPasswordOnly ? (await matchAppPassword(store, account.id, attempt.password))?.name : undefined;
      valid = appPassword !== undefined || (await verifyMainPassword(verified, account, attempt.password, source));
    }
    const authzOk = !attempt.authzid || normalizeAddress(attempt.authzid) === address;
    if (!account || !valid || !authzOk) {
      increment('mailfold_auth_failures_total');
      securityEvents.record({ kind: 'login-failed', service, ip: attempt.ip, account: name });
      return { outcome: 'failure', value: { ok: false, reason: 'invalid' } };
    }
    if (account.disabled) {
      verified.forget(account.id);
      securityEvents.record({ kind: 'login-disabled', service, ip: attempt.ip, account: name });
      return { outcome: 'neither', value: { ok: false, reason: 'disabled' } };
    }
    return { outcome: 'success', value: { ok: true, account, ...(serverFinal ? { serverFinal } : {}), ...(appPassword !== undefined ? { appPassword } : {}) } };
  });
  if ('value' in guarded) return guarded.value;
  increment('mailfold_auth_throttled_total', { limit: guarded.refused.limit });
  securityEvents.record({ kind: 'login-throttled', service, ip: attempt.ip, account: name, detail: `${guarded.refused.limit} limit` });
  return { ok: false, reason: 'throttled', ...guarded.refused };
}

/** The argon2id check of the account's main password, or of a made-up hash when there is no account. */
async function verifyMainPassword(verified: VerifiedLogins, account: Account | null, password: string, source: CheckSource): Promise<boolean> {
  if (!account) {
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    return verifyPassword(await dummyHash, password, source);
  }
  if (verified.has(account.id, account.passwordHash, password)) return true;
  const valid = await verifyPassword(account.passwordHash, password, source);
  if (valid) verified.remember(account.id, account.passwordHash, password);
  return valid;
}
