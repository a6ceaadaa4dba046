import type { SieveTest, SieveCommand } from './ast.ts';
import { SieveRuntimeError } from './errors.ts';

/** How a test compares (RFC 5228 2.7, RFC 5231): match type, relational operator, comparator. */
export interface Matcher {
  type: 'is' | 'contains' | 'matches' | 'count' | 'value';
  operator: string;
  comparator: string;
}

export function matcherOf(node: SieveTest | SieveCommand): Matcher {
  const type = (['is', 'contains', 'matches', 'count', 'value'] as const).find((t) => node.tags.has(t)) ?? 'is';
  const op = node.tags.get(type)?.value;
  const cmp = node.tags.get('comparator')?.value;
  const comparator = cmp?.kind === 'string' ? cmp.value.toLowerCase() : 'i;ascii-casemap';
  if (comparator === 'i;ascii-numeric' && (type === 'contains' || type === 'matches')) {
    throw new SieveRuntimeError(`:${type} cannot be used with the i;ascii-numeric comparator`);
  }
  return { type, operator: op?.kind === 'string' ? op.value.toLowerCase() : 'eq', comparator };
}

/** The text a successful `:matches` captured: the whole value, then each wildcard (RFC 5229 3.2). */
export type Captures = string[];

/**
 * Whether any value matches any key; `:count` counts the values instead. On a
 * `:matches` success the captures of the first match are returned.
 */
export function matchAny(m: Matcher, values: string[], keys: string[]): { ok: boolean; captures?: Captures } {
  if (m.type === 'count') {
    const count = String(values.length);
    return { ok: keys.some((k) => relation(compare('i;ascii-numeric', count, k), m.operator)) };
  }
  for (const value of values) {
    for (const key of keys) {
      if (m.type === 'matches') {
        const captures = wildcard(fold(m.comparator, value), fold(m.comparator, key), value);
        if (captures) return { ok: true, captures };
      } else if (matchOne(m, value, key)) return { ok: true };
    }
  }
  return { ok: false };
}

function matchOne(m: Matcher, value: string, key: string): boolean {
  if (m.type === 'contains') return fold(m.comparator, value).includes(fold(m.comparator, key));
  if (m.type === 'value') return relation(compare(m.comparator, value, key), m.operator);
  return compare(m.comparator, value, key) === 0;
}

/** i;ascii-casemap folds ASCII letters only (RFC 4790 9.2); i;octet compares as is. */
function fold(comparator: string, s: string): string {
  return comparator === 'i;ascii-casemap' ? s.replace(/[A-Z]+/g, (c) => c.toLowerCase()) : s;
}

/** -1, 0 or 1 under the comparator; i;ascii-numeric puts values without leading digits last (RFC 4790 9.1). */
export function compare(comparator: string, a: string, b: string): number {
  if (comparator === 'i;ascii-numeric') {
    const x = numericValue(a);
    const y = numericValue(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = fold(comparator, a);
  const y = fold(comparator, b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function numericValue(s: string): bigint | null {
  const digits = /^[0-9]+/.exec(s)?.[0];
  return digits === undefined ? null : BigInt(digits.slice(0, 1000));
}

function relation(order: number, operator: string): boolean {
  switch (operator) {
    case 'gt': return order > 0;
    case 'ge': return order >= 0;
    case 'lt': return order < 0;
    case 'le': return order <= 0;
    case 'ne': return order !== 0;
    default: return order === 0;
  }
}

/**
 * `*` and `?` with `\` escapes (RFC 5228 2.7.1), without backtracking regular
 * expressions: the classic two-pointer glob walk, linear per retry of the last star,
 * so a hostile pattern costs at most value × pattern steps. Each wildcard captures the
 * text it matched, from `original` (the unfolded value).
 */
function wildcard(value: string, pattern: string, original: string): Captures | null {
  const tokens: ({ kind: 'star' } | { kind: 'one' } | { kind: 'char'; c: string })[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) tokens.push({ kind: 'char', c: pattern[++i]! });
    else if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'one' });
    else tokens.push({ kind: 'char', c });
  }
  const starts: number[] = new Array(tokens.length).fill(-1);
  const ends: number[] = new Array(tokens.length).fill(-1);
  let t = 0;
  let v = 0;
  let star = -1;
  let starFrom = 0;
  while (v < value.length) {
    const token = tokens[t];
    if (token?.kind === 'star') {
      star = t;
      starFrom = v;
      starts[t] = v;
      ends[t] = v;
      t++;
    } else if (token && (token.kind === 'one' || token.c === value[v])) {
      starts[t] = v;
      ends[t] = v + 1;
      t++;
      v++;
    } else if (star >= 0) {
      starFrom++;
      ends[star] = starFrom;
      t = star + 1;
      v = starFrom;
    } else return null;
  }
  while (tokens[t]?.kind === 'star') {
    starts[t] = ends[t] = v;
    t++;
  }
  if (t < tokens.length) return null;
  const captures = [original];
  tokens.forEach((token, i) => {
    if (token.kind !== 'char') captures.push(original.slice(starts[i]!, ends[i]!));
  });
  return captures;
}
