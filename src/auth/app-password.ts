import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { AppPassword, AppPasswordStore } from '../store/app-passwords.ts';
import type { AccountId } from '../store/types.ts';

/** Letters and digits that cannot be mistaken for one another when typed from a screen (no 0/o, 1/l). */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
/** Four groups of five: 20 characters of 5 bits, 100 bits, typed on a phone without trouble. */
const GROUPS = 4;
const GROUP = 5;
const SHAPE = new RegExp(`^[${ALPHABET}]{${GROUP}}(?:-[${ALPHABET}]{${GROUP}}){${GROUPS - 1}}$`);

export function generateAppPassword(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

export const appPasswordHash = (password: string): string => createHash('sha256').update(password, 'utf8').digest('hex');

export const newAppPasswordId = (): string => randomBytes(8).toString('hex');

/**
 * The app password of the account that `password` is, or null. Only a password of the shape
 * the server makes can be one, so a main password costs no store read here.
 */
export async function matchAppPassword(store: Pick<AppPasswordStore, 'listAppPasswords'>, accountId: AccountId, password: string): Promise<AppPassword | null> {
  const typed = password.trim().toLowerCase();
  if (!SHAPE.test(typed)) return null;
  const wanted = Buffer.from(appPasswordHash(typed), 'hex');
  let found: AppPassword | null = null;
  // Every entry is compared, in constant time each, so the answer time says nothing of which matched.
  for (const entry of await store.listAppPasswords(accountId)) {
    if (timingSafeEqual(Buffer.from(entry.sha256, 'hex'), wanted)) found = entry;
  }
  return found;
}
