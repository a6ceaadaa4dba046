import { ParseError, type Parser } from './parser.ts';

/** `*` is kept as null until the set is applied to a mailbox. */
type Bound = number | null;

/** Past this many ranges a sequence set is abuse, not a selection. */
export const MAX_RANGES = 10_000;

/**
 * A sequence set (RFC 3501 section 9: sequence-set), for message numbers or UIDs.
 * Applied to a mailbox it becomes sorted, merged intervals, so membership is a
 * binary search however many ranges the client sent.
 */
export class SequenceSet {
  readonly ranges: readonly [Bound, Bound][];

  constructor(ranges: [Bound, Bound][]) {
    this.ranges = ranges;
  }

  /** Sorted, disjoint intervals, with `*` standing for `star` (the largest number in use). */
  intervals(star: number): [number, number][] {
    const spans = this.ranges
      .map(([a, b]): [number, number] => {
        const x = a ?? star;
        const y = b ?? star;
        return x <= y ? [x, y] : [y, x];
      })
      .sort((p, q) => p[0] - q[0]);
    const merged: [number, number][] = [];
    for (const span of spans) {
      const last = merged[merged.length - 1];
      if (last && span[0] <= last[1] + 1) last[1] = Math.max(last[1], span[1]);
      else merged.push([...span]);
    }
    return merged;
  }

  /** A membership test against the intervals for `star`. */
  matcher(star: number): (n: number) => boolean {
    const spans = this.intervals(star);
    return (n) => {
      let lo = 0;
      let hi = spans.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const [a, b] = spans[mid]!;
        if (n < a) hi = mid - 1;
        else if (n > b) lo = mid + 1;
        else return true;
      }
      return false;
    };
  }

  /** The largest number named, `*` as `star`: a message-number set beyond EXISTS is an error. */
  max(star: number): number {
    return Math.max(...this.ranges.flat().map((b) => b ?? star));
  }

  toString(): string {
    return this.ranges.map(([a, b]) => (a === b ? show(a) : `${show(a)}:${show(b)}`)).join(',');
  }
}

const show = (b: Bound): string => (b === null ? '*' : String(b));

function bound(p: Parser): Bound {
  if (p.take('*')) return null;
  return p.nzNumber();
}

export function parseSequenceSet(p: Parser): SequenceSet {
  const ranges: [Bound, Bound][] = [];
  do {
    if (ranges.length >= MAX_RANGES) throw new ParseError('sequence set too long');
    const a = bound(p);
    const b = p.take(':') ? bound(p) : a;
    ranges.push([a, b]);
  } while (p.take(','));
  return new SequenceSet(ranges);
}

/** Builds the compact form of a list of numbers, as for COPYUID and SEARCH results. */
export function compactSet(numbers: number[]): string {
  return orderedSet([...numbers].sort((a, b) => a - b));
}

/**
 * Numbers in the order given, as a sequence set (ESORT, RFC 5267 section 3): only
 * ascending runs become ranges (`3:5`), since a set's ranges are read upwards.
 */
export function orderedSet(numbers: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1]! === numbers[j]! + 1) j++;
    parts.push(i === j ? String(numbers[i]) : `${numbers[i]}:${numbers[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
