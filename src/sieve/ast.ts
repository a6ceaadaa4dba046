/** The parsed form of a Sieve script (RFC 5228 section 8), validated against its `require`. */

export interface Position {
  line: number;
  column: number;
}

export interface SieveError extends Position {
  message: string;
}

export type SieveValue =
  | { kind: 'string'; value: string; pos: Position }
  | { kind: 'list'; values: string[]; pos: Position }
  | { kind: 'number'; value: number; pos: Position };

/** A tag and the value that follows it, when its spec takes one. */
export interface TaggedArgument {
  name: string;
  value: SieveValue | null;
  pos: Position;
}

/** What commands and tests share: the raw arguments, then the same sorted into tags and positionals. */
interface Node {
  name: string;
  pos: Position;
  tags: Map<string, TaggedArgument>;
  positional: SieveValue[];
}

export interface SieveTest extends Node {
  tests: SieveTest[];
}

export interface SieveCommand extends Node {
  /** The test of `if`/`elsif`. */
  test: SieveTest | null;
  /** The block of a control command, null for a simple command. */
  block: SieveCommand[] | null;
}

export interface SieveScript {
  /** Capabilities declared by `require`, in the order given. */
  requires: string[];
  commands: SieveCommand[];
}

export type ParseResult = { ok: true; script: SieveScript } | { ok: false; errors: SieveError[] };
