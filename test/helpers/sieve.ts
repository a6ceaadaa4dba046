import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Account, Store } from '../../src/store/types.ts';
import { parseSieve } from '../../src/sieve/parse.ts';
import { random } from './fuzz.ts';

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

const PIECES = ['{', '}', '(', ')', '[', ']', ',', ';', '"', '\\', ':', '#', '/*', '*/', 'text:\n', '\n.\n', '${', '99999999999G', ':matches', 'if', 'require', '\u0000', '\uFFFF', '\uD83D'];

/** The comparison scripts (test/fixtures/sieve/scripts) with pieces cut out and Sieve syntax thrown in, from a seed. */
export function mutatedScripts(count: number, seed: number): string[] {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'sieve', 'scripts');
  const seeds = readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
  const next = random(seed);
  return Array.from({ length: count }, (_, round) => {
    const chars = [...seeds[round % seeds.length]!];
    for (let n = 1 + Math.floor(next() * 6); n > 0; n--) {
      const at = Math.floor(next() * (chars.length + 1));
      if (next() < 0.4) chars.splice(at, 1 + Math.floor(next() * 8));
      else chars.splice(at, 0, PIECES[Math.floor(next() * PIECES.length)]!);
    }
    return chars.join('');
  });
}
