import argon2 from 'argon2';
import { increment } from '../metrics/registry.ts';
import { FairLimiter } from './fair-limiter.ts';
import { deriveScramKeys, type ScramKeys } from './scram.ts';

/** RFC 9106's second recommended option, sized for a Raspberry Pi: 64 MiB, 3 passes. */
const PARAMS = { type: argon2.argon2id, memoryCost: 65536, timeCost: 3, parallelism: 1 } as const;

/**
 * Each hash or check holds its 64 MiB for its whole run, on a thread of libuv's pool (4 threads),
 * which LevelDB's reads and commits share. Two at once bound that memory to 128 MiB and leave the
 * store two threads when many clients log in together; the others wait their turn: first devices
 * that logged in before, then addresses with no recent failure, then the rest, and within each
 * in turns per client address, so that guessing from many addresses does not hold everyone up.
 */
const HASHES_AT_ONCE = 2;
const hashing = new FairLimiter(HASHES_AT_ONCE, 3);

/** The source of hashes made here (accounts added, passwords changed): the admin, not a network client. */
const LOCAL = 'local';

export const hashPassword = (password: string): Promise<string> => hashing.run(LOCAL, () => argon2.hash(password, PARAMS));

/** What an account stores for a new password: the argon2id hash and the SCRAM keys beside it. */
export const passwordRecord = async (password: string): Promise<{ passwordHash: string; scram: ScramKeys }> => ({
  passwordHash: await hashPassword(password),
  scram: deriveScramKeys(password),
});

/**
 * Where a check comes from: the client's address key, whether it logged in to this account
 * before, and whether the address failed a login within the throttle's window.
 */
export interface CheckSource {
  key: string;
  known: boolean;
  failedRecently: boolean;
}

export async function verifyPassword(hash: string, password: string, source: CheckSource = { key: LOCAL, known: true, failedRecently: false }): Promise<boolean> {
  const priority = source.known ? 0 : source.failedRecently ? 2 : 1;
  try {
    return await hashing.run(source.key, () => {
      increment('mailfold_password_checks_total');
      return argon2.verify(hash, password);
    }, priority);
  } catch {
    return false;
  }
}

const COMMON = new Set([
  'password', 'password1', 'password123', '1234567890', '12345678910', 'qwertyuiop', 'iloveyou12',
  'letmein123', 'welcome123', 'changeme123', 'administrator', 'passw0rd123', 'qwerty12345', 'abc1234567',
]);

/** Why a new password is refused, or null when it is acceptable. */
export function passwordProblem(password: string, address: string, minLength: number): string | null {
  if (password.length === 0) return 'the password is empty';
  if (password.length < minLength) return `the password is too short: at least ${minLength} characters are required`;
  if (Buffer.byteLength(password) > 1024) return 'the password is longer than 1024 bytes';
  if (/[\x00-\x1f\x7f]/.test(password)) return 'the password contains control characters';
  const lower = password.toLowerCase();
  if (new Set(lower).size < 4) return 'the password is too weak: it repeats too few different characters';
  if (COMMON.has(lower)) return 'the password is too weak: it is a commonly used password';
  const local = address.slice(0, address.lastIndexOf('@')).toLowerCase();
  if (lower === address.toLowerCase() || (local.length > 0 && lower.includes(local) && local.length * 2 >= lower.length)) {
    return 'the password is too weak: it is based on the address';
  }
  return null;
}
