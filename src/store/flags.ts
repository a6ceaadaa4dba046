import type { FlagOperation } from './types.ts';

const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'];
const systemByLower = new Map(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/** System flags get their canonical spelling; keywords keep the case first given. */
export const canonicalFlag = (flag: string): string => systemByLower.get(flag.toLowerCase()) ?? flag;

/** Flags and keywords compare case-insensitively (RFC 3501 2.3.2). */
export function applyFlags(current: string[], op: FlagOperation, flags: string[]): string[] {
  const wanted = flags.map(canonicalFlag);
  const lower = (list: string[]) => new Set(list.map((f) => f.toLowerCase()));
  if (op === 'set') return dedupe(wanted);
  if (op === 'add') {
    const have = lower(current);
    return [...current, ...dedupe(wanted).filter((f) => !have.has(f.toLowerCase()))];
  }
  const drop = lower(wanted);
  return current.filter((f) => !drop.has(f.toLowerCase()));
}

function dedupe(flags: string[]): string[] {
  const seen = new Set<string>();
  return flags.filter((f) => {
    const key = f.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const isSeen = (flags: string[]): boolean => flags.includes('\\Seen');

export const sameFlags = (a: string[], b: string[]): boolean =>
  a.length === b.length && a.every((f, i) => f === b[i]);
