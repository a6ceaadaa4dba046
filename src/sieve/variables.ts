import type { SieveCommand } from './ast.ts';
import type { Captures } from './match.ts';

/** Longest value a variable holds, in characters (longer ones are cut). */
const MAX_VALUE = 4096;
/** Most variables one script may set. */
const MAX_VARIABLES = 256;

/**
 * RFC 5229 variables of one script run: its own names, the names it declared
 * `global` (RFC 6609 3.4), shared through `globals`, and the last `:matches` captures.
 */
export class Variables {
  readonly #local = new Map<string, string>();
  readonly #globals: Map<string, string>;
  readonly #declared = new Set<string>();
  #captures: Captures = [];
  readonly enabled: boolean;

  constructor(enabled: boolean, globals: Map<string, string>) {
    this.enabled = enabled;
    this.#globals = globals;
  }

  declareGlobal(names: string[]): void {
    for (const n of names) this.#declared.add(n.toLowerCase());
  }

  set(name: string, value: string): void {
    const key = name.toLowerCase();
    const target = this.#declared.has(key) ? this.#globals : this.#local;
    if (!target.has(key) && target.size >= MAX_VARIABLES) return;
    target.set(key, value.length > MAX_VALUE ? value.slice(0, MAX_VALUE) : value);
  }

  get(name: string): string {
    const key = name.toLowerCase();
    if (/^[0-9]+$/.test(key)) return this.#captures[Number(key)] ?? '';
    if (key.startsWith('global.')) return this.#globals.get(key.slice(7)) ?? '';
    return (this.#declared.has(key) ? this.#globals.get(key) : this.#local.get(key)) ?? '';
  }

  setCaptures(captures: Captures): void {
    this.#captures = captures;
  }

  /** `${name}` and `${N}` in a string (RFC 5229 3); unknown namespaces expand to "". */
  expand(text: string): string {
    if (!this.enabled || !text.includes('${')) return text;
    return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_.]*|[0-9]+)\}/g, (_, name: string) => {
      if (name.includes('.') && !name.toLowerCase().startsWith('global.')) return '';
      return this.get(name);
    });
  }
}

/** RFC 5229 4: `set` with its modifiers, applied in the order of their precedence. */
export function setValue(command: SieveCommand, value: string): string {
  const has = (t: string) => command.tags.has(t);
  let out = value;
  if (has('lower')) out = out.toLowerCase();
  if (has('upper')) out = out.toUpperCase();
  if (has('lowerfirst')) out = out.charAt(0).toLowerCase() + out.slice(1);
  if (has('upperfirst')) out = out.charAt(0).toUpperCase() + out.slice(1);
  if (has('quotewildcard')) out = out.replace(/[*?\\]/g, '\\$&');
  if (has('encodeurl')) out = encodeURIComponent(out).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  if (has('length')) out = String([...out].length);
  return out;
}
