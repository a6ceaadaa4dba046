import type { Account, Store } from '../../src/store/types.ts';
import { parseSieve } from '../../src/sieve/parse.ts';

const LIMITS = { maxScripts: 10, maxScriptBytes: 256 * 1024 };

/** Stores a script as the account's active one, through the store role (as ManageSieve would), checked by the parser first. */
export async function activateScript(store: Store, account: Account, text: string, opts: { name?: string; unchecked?: boolean } = {}): Promise<void> {
  if (!opts.unchecked) {
    const parsed = parseSieve(text);
    if (!parsed.ok) throw new Error(`script does not parse: ${JSON.stringify(parsed.errors)}`);
  }
  const name = opts.name ?? 'main';
  const outcome = await store.putSieveScript(account.id, name, text, LIMITS);
  if (!outcome.ok) throw new Error(`script refused: ${outcome.reason}`);
  await store.setActiveSieveScript(account.id, name);
}
