import { createHash } from 'node:crypto';
import { StoreError } from '../types.ts';

/** RFC 5804 1.6: no control characters (nor DEL, nor the C1 range); at most 128 characters here. */
export const SCRIPT_NAME = /^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]{1,128}$/u;

export function checkScriptName(name: string): void {
  if (!SCRIPT_NAME.test(name)) throw new StoreError('invalid', 'a script name is 1 to 128 characters without control characters');
}

/** Marks are keyed by a hash: ids and addresses are arbitrary strings of any length. */
export const sieveMarkKey = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 32);
