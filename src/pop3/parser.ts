/**
 * POP3 command lines (RFC 1939 section 3): a keyword of 3 or 4 letters, then
 * arguments separated by single spaces. Each command reads its own arguments,
 * because PASS takes the rest of the line, spaces and all.
 */

export type ParsedCommand = { ok: true; name: string; rest: string } | { ok: false; error: string };

export function parseCommand(line: string): ParsedCommand {
  if (line.length === 0) return { ok: false, error: 'Empty command' };
  if (/[\x00-\x1f\x7f]/.test(line)) return { ok: false, error: 'Control characters in command' };
  const space = line.indexOf(' ');
  const keyword = space === -1 ? line : line.slice(0, space);
  if (!/^[A-Za-z]{3,4}$/.test(keyword)) return { ok: false, error: 'Unknown command' };
  return { ok: true, name: keyword.toUpperCase(), rest: space === -1 ? '' : line.slice(space + 1) };
}

/** Splits arguments on single spaces; null when there are empty ones or too many. */
export function splitArguments(rest: string, max: number): string[] | null {
  if (rest === '') return [];
  const args = rest.split(' ');
  if (args.length > max || args.some((a) => a.length === 0)) return null;
  return args;
}

/** A message number or line count: decimal digits only, at most 9 so it stays an exact integer. */
export function parseNumber(arg: string | undefined): number | null {
  return arg !== undefined && /^\d{1,9}$/.test(arg) ? Number(arg) : null;
}
