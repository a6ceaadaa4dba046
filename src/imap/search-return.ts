import { str } from './encoder.ts';
import { parsePartialRange, partialSlice, type PartialRange } from './partial-range.ts';
import { ParseError, type Parser } from './parser.ts';
import { compactSet, orderedSet } from './sequence-set.ts';

/** ESEARCH result options (RFC 4731), SAVE (RFC 5182), PARTIAL (RFC 9394), UPDATE and CONTEXT (RFC 5267 4). */
export type ReturnOption = 'MIN' | 'MAX' | 'ALL' | 'COUNT' | 'SAVE' | 'PARTIAL' | 'UPDATE' | 'CONTEXT';

const OPTIONS = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'PARTIAL', 'UPDATE', 'CONTEXT']);
/** Options that ask for a result; without one, ALL is meant (`()`, RFC 4731 3.1; `(UPDATE)`, RFC 5267 4.4). */
const RESULTS = new Set<string>(['MIN', 'MAX', 'ALL', 'COUNT', 'SAVE', 'PARTIAL']);

export interface SearchReturn {
  options: ReturnOption[];
  /** The range of PARTIAL, when asked for. */
  partial: PartialRange | null;
}

/** `(return-opt *(SP return-opt))` after `RETURN `; `()` means ALL (RFC 4731 3.1). */
export function parseSearchReturn(p: Parser): SearchReturn {
  let partial: PartialRange | null = null;
  const options = p.list(() => {
    const option = p.keyword();
    if (!OPTIONS.has(option)) throw new ParseError(`unknown SEARCH return option ${option}`);
    if (option === 'PARTIAL') {
      if (partial) throw new ParseError('PARTIAL is given twice');
      p.sp();
      partial = parsePartialRange(p);
    }
    return option as ReturnOption;
  });
  // RFC 9394 section 3.1: ALL and PARTIAL ask for the same thing two ways.
  if (partial && options.includes('ALL')) throw new ParseError('ALL and PARTIAL are mutually exclusive');
  if (options.filter((o) => o === 'UPDATE').length > 1) throw new ParseError('UPDATE is given twice');
  const unique = [...new Set(options)];
  return { options: unique.some((o) => RESULTS.has(o)) ? unique : ['ALL', ...unique], partial };
}

/**
 * The matches a result speaks for: with MIN, MAX and/or PARTIAL but neither ALL nor
 * COUNT, only those (what SAVE keeps, RFC 5182 2.4 and RFC 9394 3.2, and what MODSEQ
 * is taken over, RFC 7162 3.1.5); otherwise all of them. `hits` are in result order.
 */
export function coveredHits<T>(hits: readonly T[], ret: SearchReturn): T[] {
  const { options, partial } = ret;
  const some = options.includes('MIN') || options.includes('MAX') || partial !== null;
  if (!some || options.includes('ALL') || options.includes('COUNT') || hits.length === 0) return [...hits];
  const out = new Set<T>();
  if (options.includes('MIN')) out.add(hits[0]!);
  if (partial) for (const hit of partialSlice(hits, partial)) out.add(hit);
  if (options.includes('MAX')) out.add(hits[hits.length - 1]!);
  return [...out];
}

export interface SearchHit {
  /** The message number, or the UID for UID SEARCH. */
  number: number;
  modSeq: number;
}

/**
 * `* ESEARCH (TAG "t") [UID] [MIN n] [MAX n] [ALL set] [COUNT n] [PARTIAL (range set)] [MODSEQ m]`
 * (RFC 4731 3.1, RFC 9394 3.1, RFC 7162 3.1.5), or null when SAVE is the only option
 * (RFC 5182 2.1). An empty result has no MIN, MAX or ALL; an empty PARTIAL is NIL.
 * `hits` are in result order: mailbox order for SEARCH, sort order for SORT (RFC 5267
 * section 3, where `ordered` keeps that order in ALL and PARTIAL).
 */
export function esearchResponse(tag: string, byUid: boolean, ret: SearchReturn, hits: readonly SearchHit[], withModSeq: boolean, ordered = false): string | null {
  const { options, partial } = ret;
  if (options.length === 1 && options[0] === 'SAVE') return null;
  const set = (some: readonly SearchHit[]) => (ordered ? orderedSet : compactSet)(some.map((h) => h.number));
  let out = `ESEARCH (TAG ${str(tag)})${byUid ? ' UID' : ''}`;
  if (hits.length > 0) {
    if (options.includes('MIN')) out += ` MIN ${hits[0]!.number}`;
    if (options.includes('MAX')) out += ` MAX ${hits[hits.length - 1]!.number}`;
    if (options.includes('ALL')) out += ` ALL ${set(hits)}`;
  }
  if (options.includes('COUNT')) out += ` COUNT ${hits.length}`;
  if (partial) {
    const some = partialSlice(hits, partial);
    out += ` PARTIAL (${partial.text} ${some.length > 0 ? set(some) : 'NIL'})`;
  }
  if (withModSeq && hits.length > 0) out += ` MODSEQ ${Math.max(...coveredHits(hits, ret).map((h) => h.modSeq))}`;
  return out;
}
