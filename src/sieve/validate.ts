import type { ParseResult, Position, SieveCommand, SieveError, SieveTest, SieveValue, TaggedArgument } from './ast.ts';
import { isSieveExtension } from './capabilities.ts';
import { decodeEncodedCharacters } from './encoded-character.ts';
import type { RawNode } from './parse.ts';
import { commands as commandSpecs, comparators, dateParts, relationalOperators, tests as testSpecs, type ArgKind, type NodeSpec } from './spec.ts';

/** Comparators every script may use without naming them in `require` (RFC 5228 2.7.3). */
const implicitCapabilities = ['comparator-i;octet', 'comparator-i;ascii-casemap'];
const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks commands and tests against their specs and the script's `require`; sorts their arguments. */
export function validateScript(raw: RawNode[], maxErrors: number): ParseResult {
  const v = new Validator(maxErrors);
  const commands = v.script(raw);
  return v.errors.length ? { ok: false, errors: v.errors } : { ok: true, script: { requires: [...v.requires], commands } };
}

class Validator {
  readonly errors: SieveError[] = [];
  readonly requires = new Set<string>();

  private readonly maxErrors: number;

  constructor(maxErrors: number) {
    this.maxErrors = maxErrors;
  }

  script(raw: RawNode[]): SieveCommand[] {
    const first = raw.findIndex((n) => n.name !== 'require');
    const leading = first < 0 ? raw.length : first;
    for (const node of raw.slice(0, leading)) this.require(node);
    // A later require is reported where command() meets it.
    return this.commands(raw.slice(leading));
  }

  error(pos: Position, message: string): void {
    if (this.errors.length < this.maxErrors) this.errors.push({ line: pos.line, column: pos.column, message });
  }

  private require(node: RawNode): void {
    const sorted = this.sort(node, commandSpecs.require!, 'require');
    const list = sorted.positional[0];
    for (const name of list ? strings(list) : []) {
      if (isSieveExtension(name) || implicitCapabilities.includes(name)) this.requires.add(name);
      else this.error(list!.pos, `unsupported extension "${name}"`);
    }
  }

  private commands(raw: RawNode[]): SieveCommand[] {
    const out: SieveCommand[] = [];
    let previous = '';
    for (const node of raw) {
      if ((node.name === 'elsif' || node.name === 'else') && previous !== 'if' && previous !== 'elsif') {
        this.error(node.pos, `${node.name} must follow if or elsif`);
      }
      previous = node.name;
      out.push(this.command(node));
    }
    return out;
  }

  private command(node: RawNode): SieveCommand {
    const spec = commandSpecs[node.name];
    const command: SieveCommand = { name: node.name, pos: node.pos, tags: new Map(), positional: [], test: null, block: null };
    if (!spec) {
      this.error(node.pos, testSpecs[node.name] ? `${node.name} is a test, not a command` : `unknown command "${node.name}"`);
      return command;
    }
    if (node.name === 'require') this.error(node.pos, 'require must come before any other command');
    this.available(node, spec);
    Object.assign(command, this.sort(node, spec, node.name));
    if (spec.tests === 'one') {
      if (node.tests.length !== 1) this.error(node.pos, `${node.name} needs one test`);
      else command.test = this.test(node.tests[0]!);
    } else if (node.tests.length) this.error(node.tests[0]!.pos, `${node.name} takes no test`);
    if (spec.block && !node.block) this.error(node.pos, `${node.name} needs a block`);
    if (!spec.block && node.block) this.error(node.pos, `${node.name} takes no block`);
    if (node.block && spec.block) command.block = this.commands(node.block);
    this.commandRules(command);
    return command;
  }

  private test(node: RawNode): SieveTest {
    const spec = testSpecs[node.name];
    const test: SieveTest = { name: node.name, pos: node.pos, tags: new Map(), positional: [], tests: [] };
    if (!spec) {
      this.error(node.pos, commandSpecs[node.name] ? `${node.name} is a command, not a test` : `unknown test "${node.name}"`);
      return test;
    }
    this.available(node, spec);
    Object.assign(test, this.sort(node, spec, node.name));
    if (spec.tests === 'one' && node.tests.length !== 1) this.error(node.pos, `${node.name} needs one test`);
    else if (spec.tests === 'list' && node.tests.length === 0) this.error(node.pos, `${node.name} needs a list of tests`);
    else if (!spec.tests && node.tests.length) this.error(node.tests[0]!.pos, `${node.name} takes no test`);
    test.tests = node.tests.map((t) => this.test(t));
    this.testRules(test);
    return test;
  }

  private available(node: RawNode, spec: NodeSpec): void {
    if (spec.ext && !spec.ext.some((e) => this.requires.has(e))) {
      this.error(node.pos, `${node.name} needs require "${spec.ext[0]}"`);
    }
  }

  /** Sorts the arguments into tags (with their values) and positionals, checking each against the spec. */
  private sort(node: RawNode, spec: NodeSpec, what: string): { tags: Map<string, TaggedArgument>; positional: SieveValue[] } {
    const tags = new Map<string, TaggedArgument>();
    const groups = new Map<string, string>();
    const positional: SieveValue[] = [];
    for (let i = 0; i < node.args.length; i++) {
      const arg = node.args[i]!;
      if (arg.kind !== 'tag') {
        positional.push(this.decode(arg));
        continue;
      }
      const tag = spec.tags?.[arg.name];
      if (!tag) {
        this.error(arg.pos, `unknown tag :${arg.name} for ${what}`);
        continue;
      }
      if (positional.length) this.error(arg.pos, `tag :${arg.name} must come before the other arguments of ${what}`);
      if (tag.ext && !this.requires.has(tag.ext)) this.error(arg.pos, `:${arg.name} needs require "${tag.ext}"`);
      if (tags.has(arg.name)) this.error(arg.pos, `:${arg.name} given twice`);
      if (tag.group) {
        const other = groups.get(tag.group);
        if (other) this.error(arg.pos, `:${arg.name} cannot be used with :${other}`);
        groups.set(tag.group, arg.name);
      }
      let value: SieveValue | null = null;
      if (tag.value) {
        const next = node.args[i + 1];
        if (!next || next.kind === 'tag' || !fits(next, tag.value)) {
          this.error(arg.pos, `:${arg.name} needs a ${kindName(tag.value)} after it`);
        } else {
          value = this.decode(next);
          i++;
        }
      }
      tags.set(arg.name, { name: arg.name, value, pos: arg.pos });
    }
    if (spec.requiredGroup && !groups.has(spec.requiredGroup)) this.error(node.pos, `${what} needs one of ${tagsOf(spec, spec.requiredGroup)}`);
    this.positionals(node, spec, what, positional);
    return { tags, positional };
  }

  private positionals(node: RawNode, spec: NodeSpec, what: string, given: SieveValue[]): void {
    const max = spec.positional.length;
    const min = max - (spec.optional?.count ?? 0);
    if (given.length < min || given.length > max) {
      const pos = given[max]?.pos ?? node.pos;
      const count = min === max ? `${max}` : `${min} to ${max}`;
      this.error(pos, `${what} takes ${count} argument${max === 1 ? '' : 's'} besides tags, not ${given.length}`);
      return;
    }
    const kinds = spec.optional?.from === 'start' ? spec.positional.slice(max - given.length) : spec.positional.slice(0, given.length);
    given.forEach((value, i) => {
      if (!fits(value, kinds[i]!)) this.error(value.pos, `${what} expects a ${kindName(kinds[i]!)} here`);
    });
  }

  private decode(value: SieveValue): SieveValue {
    if (!this.requires.has('encoded-character')) return value;
    try {
      if (value.kind === 'string') return { ...value, value: decodeEncodedCharacters(value.value) };
      if (value.kind === 'list') return { ...value, values: value.values.map(decodeEncodedCharacters) };
    } catch (err) {
      this.error(value.pos, (err as Error).message);
    }
    return value;
  }

  private commandRules(c: SieveCommand): void {
    if (c.name === 'set') {
      const name = c.positional[0];
      if (name?.kind === 'string' && !variableName.test(name.value)) this.error(name.pos, `"${name.value}" is not a variable name`);
    }
    if (['setflag', 'addflag', 'removeflag'].includes(c.name) && c.positional.length === 2) this.variableArgument(c.positional[0]!, c.name);
    if (c.name === 'deleteheader') this.matchRules(c);
    if (c.name === 'deleteheader' && c.tags.has('last') && !c.tags.has('index')) this.error(c.tags.get('last')!.pos, ':last needs :index');
  }

  private testRules(t: SieveTest): void {
    this.matchRules(t);
    if (t.tags.has('last') && !t.tags.has('index') && t.name !== 'duplicate') this.error(t.tags.get('last')!.pos, ':last needs :index');
    if (t.name === 'hasflag' && t.positional.length === 2) this.variableArgument(t.positional[0]!, t.name);
    const part = t.name === 'date' ? t.positional[1] : t.name === 'currentdate' ? t.positional[0] : undefined;
    if (part?.kind === 'string' && !part.value.includes('${') && !dateParts.includes(part.value.toLowerCase())) {
      this.error(part.pos, `unknown date part "${part.value}"`);
    }
  }

  private variableArgument(value: SieveValue, what: string): void {
    if (!this.requires.has('variables')) this.error(value.pos, `a variable name in ${what} needs require "variables"`);
    for (const name of strings(value)) if (!variableName.test(name)) this.error(value.pos, `"${name}" is not a variable name`);
  }

  private matchRules(node: SieveTest | SieveCommand): void {
    const comparator = node.tags.get('comparator');
    if (comparator?.value?.kind === 'string') {
      const name = comparator.value.value.toLowerCase();
      const needs = comparators[name];
      if (needs === undefined) this.error(comparator.value.pos, `unknown comparator "${comparator.value.value}"`);
      else if (needs && !this.requires.has(needs)) this.error(comparator.value.pos, `comparator "${name}" needs require "${needs}"`);
    }
    const relational = node.tags.get('count') ?? node.tags.get('value');
    if (relational?.value?.kind === 'string' && !relationalOperators.includes(relational.value.value.toLowerCase())) {
      this.error(relational.value.pos, `unknown relational operator "${relational.value.value}"`);
    }
  }
}

/** The strings of a string or string list. */
export const strings = (v: SieveValue): string[] => (v.kind === 'list' ? v.values : v.kind === 'string' ? [v.value] : []);

const fits = (v: SieveValue, kind: ArgKind): boolean => (kind === 'list' ? v.kind === 'list' || v.kind === 'string' : v.kind === kind);
const kindName = (kind: ArgKind): string => (kind === 'list' ? 'string list' : kind);
const tagsOf = (spec: NodeSpec, group: string): string =>
  Object.entries(spec.tags ?? {})
    .filter(([, t]) => t.group === group)
    .map(([n]) => `:${n}`)
    .join(' or ');
