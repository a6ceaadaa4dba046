import type { ParseResult, Position, SieveError, SieveValue } from './ast.ts';
import { Lexer, SieveSyntaxError, type Token } from './lexer.ts';
import { defaultSieveLimits, type SieveLimits } from './limits.ts';
import { validateScript } from './validate.ts';

export type { ParseResult, SieveCommand, SieveError, SieveScript, SieveTest } from './ast.ts';

/** A command or test as written, before its arguments are sorted by its spec. */
export interface RawNode {
  name: string;
  pos: Position;
  args: ({ kind: 'tag'; name: string; pos: Position } | SieveValue)[];
  tests: RawNode[];
  block: RawNode[] | null;
}

/**
 * Parses and validates a Sieve script (RFC 5228 section 8.2 grammar, then each command
 * and test against the extensions its `require` names). Errors carry line and column.
 */
export function parseSieve(text: string, limits: Pick<SieveLimits, 'maxScriptBytes' | 'maxNesting' | 'maxErrors'> = defaultSieveLimits): ParseResult {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > limits.maxScriptBytes) return fail({ line: 1, column: 1 }, `script too large (${size} bytes, at most ${limits.maxScriptBytes})`);
  if (/[\uD800-\uDFFF]/.test(text.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''))) return fail({ line: 1, column: 1 }, 'script is not valid UTF-8');
  let commands: RawNode[];
  try {
    commands = new Grammar(new Lexer(text), limits.maxNesting).script();
  } catch (err) {
    if (err instanceof SieveSyntaxError) return fail(err.pos, err.message);
    throw err;
  }
  return validateScript(commands, limits.maxErrors);
}

/** A script's bytes as a string: RFC 5228 scripts are UTF-8, and anything else is refused. */
export function decodeSieveScript(bytes: Uint8Array): { ok: true; text: string } | { ok: false; errors: SieveError[] } {
  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    const valid = validUtf8Prefix(bytes);
    // Streaming leaves out a sequence cut short at the end: the error is at its first byte.
    const before = new TextDecoder().decode(bytes.subarray(0, valid), { stream: true }).split('\n');
    return { ok: false, errors: [{ line: before.length, column: before.at(-1)!.length + 1, message: 'script is not valid UTF-8' }] };
  }
}

function validUtf8Prefix(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    try {
      decoder.decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo;
}

const fail = (pos: Position, message: string): ParseResult => ({ ok: false, errors: [{ ...pos, message }] });

class Grammar {
  private token: Token;
  private readonly lexer: Lexer;
  private readonly maxNesting: number;

  constructor(lexer: Lexer, maxNesting: number) {
    this.lexer = lexer;
    this.maxNesting = maxNesting;
    this.token = lexer.next();
  }

  script(): RawNode[] {
    const commands = this.commands(0);
    if (this.token.type !== 'end') throw new SieveSyntaxError(this.token.pos, `unexpected ${describe(this.token)}`);
    return commands;
  }

  private commands(depth: number): RawNode[] {
    const out: RawNode[] = [];
    while (this.token.type === 'identifier') out.push(this.command(depth));
    return out;
  }

  private command(depth: number): RawNode {
    const node = this.node(depth);
    if (this.isSpecial(';')) {
      this.take();
      return node;
    }
    if (this.isSpecial('{')) {
      if (depth + 1 > this.maxNesting) throw new SieveSyntaxError(this.token.pos, `blocks nested too deep (at most ${this.maxNesting})`);
      this.take();
      node.block = this.commands(depth + 1);
      if (!this.isSpecial('}')) throw new SieveSyntaxError(this.token.pos, `expected "}" but found ${describe(this.token)}`);
      this.take();
      return node;
    }
    throw new SieveSyntaxError(this.token.pos, `expected ";" or "{" after ${node.name} but found ${describe(this.token)}`);
  }

  /** identifier arguments, where arguments end in an optional test or test list. */
  private node(depth: number): RawNode {
    const head = this.take() as Extract<Token, { type: 'identifier' }>;
    const node: RawNode = { name: head.text, pos: head.pos, args: [], tests: [], block: null };
    for (;;) {
      const t = this.token;
      if (t.type === 'tag') node.args.push({ kind: 'tag', name: t.text, pos: t.pos });
      else if (t.type === 'number') node.args.push({ kind: 'number', value: t.value, pos: t.pos });
      else if (t.type === 'string') node.args.push({ kind: 'string', value: t.value, pos: t.pos });
      else if (this.isSpecial('[')) {
        node.args.push(this.stringList());
        continue;
      } else break;
      this.take();
    }
    if (this.token.type === 'identifier') node.tests.push(this.test(depth + 1));
    else if (this.isSpecial('(')) {
      this.take();
      node.tests.push(this.test(depth + 1));
      while (this.isSpecial(',')) {
        this.take();
        node.tests.push(this.test(depth + 1));
      }
      if (!this.isSpecial(')')) throw new SieveSyntaxError(this.token.pos, `expected "," or ")" in test list but found ${describe(this.token)}`);
      this.take();
    }
    return node;
  }

  private test(depth: number): RawNode {
    if (depth > this.maxNesting) throw new SieveSyntaxError(this.token.pos, `tests nested too deep (at most ${this.maxNesting})`);
    if (this.token.type !== 'identifier') throw new SieveSyntaxError(this.token.pos, `expected a test but found ${describe(this.token)}`);
    return this.node(depth);
  }

  private stringList(): SieveValue {
    const pos = this.take().pos;
    const values: string[] = [];
    for (;;) {
      const t = this.take();
      if (t.type !== 'string') throw new SieveSyntaxError(t.pos, `expected a string in the list but found ${describe(t)}`);
      values.push(t.value);
      const sep = this.take();
      if (sep.type === 'special' && sep.text === ']') return { kind: 'list', values, pos };
      if (!(sep.type === 'special' && sep.text === ',')) throw new SieveSyntaxError(sep.pos, `expected "," or "]" but found ${describe(sep)}`);
    }
  }

  private isSpecial(text: string): boolean {
    return this.token.type === 'special' && this.token.text === text;
  }

  private take(): Token {
    const t = this.token;
    this.token = this.lexer.next();
    return t;
  }
}

function describe(t: Token): string {
  switch (t.type) {
    case 'end':
      return 'the end of the script';
    case 'identifier':
      return `"${t.text}"`;
    case 'tag':
      return `":${t.text}"`;
    case 'number':
      return `number ${t.value}`;
    case 'string':
      return 'a string';
    case 'special':
      return `"${t.text}"`;
  }
}
