import type { Path, Problem } from './field.ts';

const keyOf = (path: Path) => path.map(String).join('\0');

/** The longest key path a problem can name (listeners.imap.port); deeper tables of the file need no place. */
const DEPTH = 3;

/** Each key path of the parsed file, numbered in the order the file wrote them. */
function positions(value: unknown, path: Path = [], out = new Map<string, number>()): Map<string, number> {
  out.set(keyOf(path), out.size);
  if (path.length < DEPTH && typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
    for (const [key, child] of Object.entries(value)) positions(child, [...path, key], out);
  }
  return out;
}

/** A key the file lacks (a required one) sorts with the nearest table it does have. */
function positionOf(path: Path, known: Map<string, number>): number {
  for (let n = path.length; n >= 0; n--) {
    const at = known.get(keyOf(path.slice(0, n)));
    if (at !== undefined) return at;
  }
  return 0;
}

/** One line per problem, "key.path: message", in file order; an unknown key sorts where the file wrote it. */
export function problemLines(problems: readonly Problem[], input: unknown): string[] {
  const known = positions(input);
  const entries = problems.map(({ path, key, message }) => ({
    at: positionOf(key === undefined ? path : [...path, key], known),
    line: path.length ? `${path.map(String).join('.')}: ${message}` : message,
  }));
  return entries.sort((a, b) => a.at - b.at).map((e) => e.line);
}
