import { str } from './encoder.ts';
import { ParseError, type Parser } from './parser.ts';
import { compactSet } from './sequence-set.ts';

/** ESEARCH result options (RFC 4731) and SAVE (RFC 5182). */
export type ReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE';

const OPTIONS = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE']);

/** `(return-opt *(SP return-opt))` after `RETURN `; `()` means ALL (RFC 4731 3.1). */
export function parseSearchReturn(p: Parser): ReturnOption[] {
  const options = p.list(() => {
    const option = p.keyword();
    if (!OPTIONS.has(option)) throw new ParseError(`unknown SEARCH return option ${option}`);
    return option as ReturnOption;
  });
  return options.length === 0 ? ['ALL'] : [...new Set(options)];
}

/**
 * The matches a result speaks for: with MIN and/or MAX but neither ALL nor COUNT,
 * only those (what SAVE keeps, RFC 5182 2.4, and what MODSEQ is taken over,
 * RFC 7162 3.1.5); otherwise all of them. `hits` are in ascending order.
 */
export function coveredHits<T>(hits: readonly T[], options: readonly ReturnOption[]): T[] {
  const minMax = options.includes('MIN') || options.includes('MAX');
  if (!minMax || options.includes('ALL') || options.includes('COUNT') || hits.length === 0) return [...hits];
  const out: T[] = [];
  if (options.includes('MIN')) out.push(hits[0]!);
  if (options.includes('MAX') && (hits.length > 1 || out.length === 0)) out.push(hits[hits.length - 1]!);
  return out;
}

export interface SearchHit {
  /** The message number, or the UID for UID SEARCH. */
  number: number;
  modSeq: number;
}

/**
 * `* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [ALL set] [COUNT n] [MODSEQ m]`
 * (RFC 4731 3.1, RFC 7162 3.1.5), or null when SAVE is the only option (RFC 5182 2.1).
 * An empty result has no MIN, MAX or ALL.
 */
export function esearchResponse(tag: string, byUid: boolean, options: readonly ReturnOption[], hits: readonly SearchHit[], withModSeq: boolean): string | null {
  if (options.length === 1 && options[0] === 'SAVE') return null;
  let out = `ESEARCH (TAG ${str(tag)})${byUid ? ' UID' : ''}`;
  if (hits.length > 0) {
    if (options.includes('MIN')) out += ` MIN ${hits[0]!.number}`;
    if (options.includes('MAX')) out += ` MAX ${hits[hits.length - 1]!.number}`;
    if (options.includes('ALL')) out += ` ALL ${compactSet(hits.map((h) => h.number))}`;
  }
  if (options.includes('COUNT')) out += ` COUNT ${hits.length}`;
  if (withModSeq && hits.length > 0) out += ` MODSEQ ${Math.max(...coveredHits(hits, options).map((h) => h.modSeq))}`;
  return out;
}
