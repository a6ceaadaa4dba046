import { ParseError, type Parser } from './parser.ts';

/**
 * A PARTIAL range (RFC 9394 section 4): positions 1-based in a result ordered
 * oldest first (`1:100`), or counted from its end (`-1:-100`, the newest hundred).
 * `low` and `high` are the smaller and larger position magnitudes; `text` is the
 * range as the client wrote it, echoed in the answer.
 */
export interface PartialRange {
  fromEnd: boolean;
  low: number;
  high: number;
  text: string;
}

/** `partial-range-first = nz-number ":" nz-number` / `partial-range-last = "-" nz-number ":" "-" nz-number`; both 32-bit. */
export function parsePartialRange(p: Parser): PartialRange {
  const fromEnd = p.take('-');
  const a = p.nzNumber();
  p.expect(':');
  if (fromEnd) p.expect('-');
  else if (p.peek() === 0x2d) throw new ParseError('a PARTIAL range is all positive or all negative');
  const b = p.nzNumber();
  const sign = fromEnd ? '-' : '';
  return { fromEnd, low: Math.min(a, b), high: Math.max(a, b), text: `${sign}${a}:${sign}${b}` };
}

/** The items of `all` (in result order) at the range's positions, still in result order. */
export function partialSlice<T>(all: readonly T[], range: PartialRange): T[] {
  if (!range.fromEnd) return all.slice(range.low - 1, range.high);
  return all.slice(Math.max(0, all.length - range.high), Math.max(0, all.length - range.low + 1));
}
