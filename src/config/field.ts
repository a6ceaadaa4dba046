/**
 * A small typed validator for the config file: each Field reads one value of the parsed TOML,
 * returns it typed (defaults filled in), or records a Problem and returns INVALID. Checking
 * goes on past a problem, so that one run reports every problem of the file.
 */

export type Path = readonly (string | number)[];

/** What is wrong at `path`; `key` names an unknown key of the table at `path`. */
export interface Problem {
  path: Path;
  message: string;
  key?: string;
}

export const INVALID: unique symbol = Symbol('invalid');
export type Invalid = typeof INVALID;

type Read<T> = (value: unknown, path: Path, problems: Problem[]) => T | Invalid;

export class Field<T> {
  readonly read: Read<T>;

  constructor(read: Read<T>) {
    this.read = read;
  }

  /** A key left out takes `value`. */
  default(value: T): Field<T> {
    return new Field((v, path, problems) => (v === undefined ? value : this.read(v, path, problems)));
  }

  /** A key left out stays out of the result. */
  optional(): Field<T | undefined> {
    return new Field<T | undefined>((v, path, problems) => (v === undefined ? undefined : this.read(v, path, problems)));
  }

  /** A further condition on a value that passed this field; `message` says what is allowed. */
  refine(test: (value: T) => boolean, message: string): Field<T> {
    return new Field((v, path, problems) => {
      const value = this.read(v, path, problems);
      if (value === INVALID || test(value)) return value;
      problems.push({ path, message });
      return INVALID;
    });
  }

  /** The value reshaped once it is valid. */
  map<U>(fn: (value: T) => U): Field<U> {
    return new Field((v, path, problems) => {
      const value = this.read(v, path, problems);
      return value === INVALID ? INVALID : fn(value);
    });
  }
}

/** A single value: `accept` gives the value to keep, or null when `value` is not allowed; `message` then says why. */
export function leaf<T>(accept: (value: unknown) => T | null, message: (value: unknown) => string): Field<T> {
  return new Field((value, path, problems) => {
    const accepted = accept(value);
    if (accepted !== null) return accepted;
    problems.push({ path, message: message(value) });
    return INVALID;
  });
}

type Shape = Record<string, Field<unknown>>;
type ValueOf<F> = F extends Field<infer T> ? T : never;
type OptionalKeys<S extends Shape> = { [K in keyof S]: undefined extends ValueOf<S[K]> ? K : never }[keyof S];
type Flat<T> = { [K in keyof T]: T[K] };
export type TableOf<S extends Shape> = Flat<
  { [K in Exclude<keyof S, OptionalKeys<S>>]: ValueOf<S[K]> } & { [K in OptionalKeys<S>]?: Exclude<ValueOf<S[K]>, undefined> }
>;

/** A rule across the keys of one table, given the table as written: the problems it finds, each on one key. */
export type TableRule = (raw: Readonly<Record<string, unknown>>) => { key: string; message: string }[];

/** TOML tables, as smol-toml builds them; an array or a date is a value, not a table. */
const isTable = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * A table with the keys of `shape`, in that order; any other key is a problem, named by
 * `unknown`. A table left out is an empty one: its keys take their defaults. Only own keys
 * count, so "__proto__" or "constructor" in the file are unknown keys like any other.
 */
export function table<S extends Shape>(
  shape: S,
  notTable: (value: unknown) => string,
  unknown: (key: string, known: string[]) => string,
  rules: TableRule[] = [],
): Field<TableOf<S>> {
  const known = Object.keys(shape);
  return new Field((input, path, problems) => {
    const raw = input === undefined ? {} : input;
    if (!isTable(raw)) {
      problems.push({ path, message: notTable(raw) });
      return INVALID;
    }
    const out: Record<string, unknown> = {};
    let valid = true;
    for (const key of known) {
      const value = shape[key]!.read(Object.hasOwn(raw, key) ? raw[key] : undefined, [...path, key], problems);
      if (value === INVALID) valid = false;
      else if (value !== undefined) out[key] = value;
    }
    for (const key of Object.keys(raw)) {
      if (Object.hasOwn(shape, key)) continue;
      problems.push({ path, key, message: unknown(key, known) });
      valid = false;
    }
    for (const rule of rules) {
      for (const { key, message } of rule(raw)) {
        problems.push({ path: [...path, key], message });
        valid = false;
      }
    }
    return valid ? (out as TableOf<S>) : INVALID;
  });
}

/** An array of at most `max` items, each read by `item`; a longer one is one problem, not one per item. */
export function list<T>(item: Field<T>, max: number, message: (value: unknown) => string): Field<T[]> {
  return new Field((input, path, problems) => {
    if (!Array.isArray(input) || input.length > max) {
      problems.push({ path, message: message(input) });
      return INVALID;
    }
    const out: T[] = [];
    let valid = true;
    input.forEach((v, i) => {
      const value = item.read(v, [...path, i], problems);
      if (value === INVALID) valid = false;
      else out.push(value);
    });
    return valid ? out : INVALID;
  });
}

/** The value read from `input`, or every problem found in it. */
export function check<T>(field: Field<T>, input: unknown): { ok: true; value: T } | { ok: false; problems: Problem[] } {
  const problems: Problem[] = [];
  const value = field.read(input, [], problems);
  return value === INVALID ? { ok: false, problems } : { ok: true, value };
}
