import { ParseError, type Parser } from './parser.ts';

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'] as const;
const SYSTEM = new Map<string, string>(SYSTEM_FLAGS.map((f) => [f.toLowerCase(), f]));

/**
 * Flags a client may set: system flags (in their canonical spelling) and keywords,
 * each once; `\Recent` and unknown `\` flags are errors.
 */
export function checkFlags(flags: string[]): string[] {
  const out = new Map<string, string>();
  for (const flag of flags) {
    const system = SYSTEM.get(flag.toLowerCase());
    if (flag.startsWith('\\') && !system) throw new ParseError(`${flag} cannot be set`);
    if (!out.has(flag.toLowerCase())) out.set(flag.toLowerCase(), system ?? flag);
  }
  return [...out.values()];
}

/** A flag list `(...)`, or for STORE also bare flags separated by spaces. */
export function parseStoreFlags(p: Parser): string[] {
  if (p.peek() === 0x28) return checkFlags(p.flagList());
  const flags = [p.flag()];
  while (p.take(' ')) flags.push(p.flag());
  return checkFlags(flags);
}
