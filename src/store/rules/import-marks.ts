import { StoreError } from '../types.ts';

const IMPORT_MARK = /^[0-9a-f]{32}$/;

/** A mark of an imported message (transfer/import-marks.ts): 32 hex digits, nothing a caller could make name something else. */
export function importMark(mark: string): string {
  if (typeof mark !== 'string' || !IMPORT_MARK.test(mark)) throw new StoreError('invalid', `not an import mark: ${JSON.stringify(mark)}`);
  return mark;
}
