import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { privateDataDir } from '../data-dir.ts';
import { StoreError } from '../types.ts';

/**
 * Refuses a data dir that holds no LevelDB store, so that a typo in --data-dir or a
 * forgotten `mailfold init` is said rather than answered with a new, empty store. Only
 * `init` and `serve --create` make one. A dir open to other users is refused first.
 */
export function requireLevelStore(dataDir: string): void {
  if (existsSync(dataDir)) privateDataDir(dataDir);
  if (existsSync(join(dataDir, 'store', 'CURRENT'))) return;
  throw new StoreError('not-found', `no store in ${dataDir}: run \`mailfold init\` (or \`mailfold serve --create\` to start with an empty one)`);
}
