import { mkdirSync, statSync } from 'node:fs';
import { StoreError } from './types.ts';

/**
 * Makes the data dir, private to the user the server runs as (0700), or checks that the one
 * there is: it holds everyone's mail and the DKIM and TLS private keys. One that other users
 * may read or write is refused rather than silently changed, so that the admin learns of it.
 */
export function privateDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const octal = mode.toString(8).padStart(4, '0');
  throw new StoreError('invalid', `the data dir ${dir} is open to other users (mode ${octal}) and holds mail and private keys: run chmod 700 ${dir}`);
}
