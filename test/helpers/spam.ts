import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../src/store/types.ts';
import { messageMark, messageTokens } from '../../src/spam/tokens.ts';
import { ROOT } from './env.ts';

/** The corpus subset of test/fixtures/spam (SOURCES.md there). */
export const SPAM_FIXTURES = join(ROOT, 'test/fixtures/spam');

/** The fixture messages of one class, by file name order. */
export function fixtures(kind: 'spam' | 'ham'): Buffer[] {
  const dir = join(SPAM_FIXTURES, kind);
  return readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
}

/** Trains an account on the first 30 spam and 45 ham fixtures through the store role, as the CLI would. */
export async function trainAccount(store: Store, accountId: number): Promise<void> {
  const lessons = [
    ...fixtures('spam').slice(0, 30).map((raw) => ({ raw, verdict: 'spam' as const })),
    ...fixtures('ham').slice(0, 45).map((raw) => ({ raw, verdict: 'ham' as const })),
  ].map(({ raw, verdict }) => ({ mark: messageMark(raw), verdict, tokens: messageTokens(raw) }));
  await store.learnSpam(accountId, lessons);
}

/** Fixtures the trained classifier is sure of (probability 1 and 0): a spam and a ham it never learned. */
export const clearSpam = () => fixtures('spam')[31]!;
export const clearHam = () => fixtures('ham')[46]!;
