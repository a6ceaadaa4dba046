import { StoreError } from '../store/types.ts';
import { no, type Outcome } from './command.ts';

const CODES: Record<StoreError['code'], string> = {
  exists: 'ALREADYEXISTS',
  'not-found': 'NONEXISTENT',
  invalid: 'CANNOT',
  locked: 'INUSE',
  conflict: 'HASCHILDREN',
  limit: 'LIMIT',
};

/** A store refusal as a tagged NO with the response code of RFC 5530; anything else is rethrown. */
export function storeRefusal(err: unknown): Outcome {
  if (!(err instanceof StoreError)) throw err;
  return no(err.message, CODES[err.code]);
}
