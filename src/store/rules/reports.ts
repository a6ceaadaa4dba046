import { createHash } from 'node:crypto';
import { StoreError, type ReportKind } from '../types.ts';

const KINDS = new Set<ReportKind>(['dmarc', 'tls']);
/** A reported domain as DNS spells it, lower case: it is part of a key, so no `/` or space gets in. */
const DOMAIN = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;
/** A row is small JSON made by reports/; anything bigger is not one. */
const MAX_ROW = 8192;

/** The arguments of a ReportLog call, checked the same way by every backend. */
export function reportKey(kind: ReportKind, period: number, domain: string, row?: string): { rowId?: string } {
  if (!KINDS.has(kind)) throw new StoreError('invalid', `not a report kind: ${JSON.stringify(kind)}`);
  if (!Number.isSafeInteger(period) || period < 0) throw new StoreError('invalid', `not a report period: ${period}`);
  if (typeof domain !== 'string' || !DOMAIN.test(domain)) throw new StoreError('invalid', `not a reported domain: ${JSON.stringify(domain)}`);
  if (row === undefined) return {};
  if (typeof row !== 'string' || row.length > MAX_ROW) throw new StoreError('invalid', 'a report row is JSON of at most 8 KiB');
  return { rowId: createHash('sha256').update(row).digest('hex').slice(0, 32) };
}
