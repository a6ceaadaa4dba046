import type { z } from 'zod';

type Path = readonly PropertyKey[];
const keyOf = (path: Path) => path.map(String).join('\0');

/** Each key path of the parsed file, numbered in the order the file wrote them. */
function positions(value: unknown, path: Path = [], out = new Map<string, number>()): Map<string, number> {
  out.set(keyOf(path), out.size);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
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

/**
 * One line per problem, "key.path: message", in file order. zod reports several unknown keys of
 * a table as one issue; its message has a line per key, so each is split out to its own line.
 */
export function problemLines(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  const known = positions(input);
  const entries = issues.flatMap((issue) => {
    const messages = issue.message.split('\n');
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((key) => [...issue.path, key]) : [issue.path];
    return messages.map((message, i) => ({
      at: positionOf(paths[i] ?? issue.path, known),
      line: issue.path.length ? `${issue.path.map(String).join('.')}: ${message}` : message,
    }));
  });
  return entries.sort((a, b) => a.at - b.at).map((e) => e.line);
}
