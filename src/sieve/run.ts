import type { SieveCommand, SieveScript, SieveTest, SieveValue } from './ast.ts';
import type { PendingMark, SieveAction } from './actions.ts';
import { SieveRuntimeError } from './errors.ts';
import type { SieveLimits } from './limits.ts';
import { matchAny, matcherOf } from './match.ts';
import type { SieveMessage } from './message.ts';
import type { SieveRunEnvironment } from './environment.ts';
import { Variables } from './variables.ts';
import { strings } from './validate.ts';

export type CommandHandler = (run: ScriptRun, command: SieveCommand) => Promise<void> | void;
export type TestHandler = (run: ScriptRun, test: SieveTest) => Promise<boolean> | boolean;

/** `stop` ends the whole run; `return` ends the current (included) script. */
export class StopSignal {}
export class ReturnSignal {}

/** What every script of one run shares: the message, the actions, the flags, the budget. */
export interface RunState {
  env: SieveRunEnvironment;
  message: SieveMessage;
  limits: SieveLimits;
  actions: SieveAction[];
  marks: PendingMark[];
  /** imap4flags' internal variable (RFC 5232 3). */
  flags: string[];
  implicitKeep: boolean;
  /** A vacation command ran (RFC 5230 allows one per run, answered or not). */
  vacationSeen: boolean;
  globals: Map<string, string>;
  steps: number;
  deadline: number;
  includeDepth: number;
  /** Scripts already included with :once. */
  included: Set<string>;
  commands: Record<string, CommandHandler>;
  tests: Record<string, TestHandler>;
}

/** One script being run (the active one, or one it includes), over the shared state. */
export class ScriptRun {
  readonly state: RunState;
  readonly script: SieveScript;
  readonly variables: Variables;

  constructor(state: RunState, script: SieveScript) {
    this.state = state;
    this.script = script;
    this.variables = new Variables(script.requires.includes('variables'), state.globals);
  }

  get message(): SieveMessage {
    return this.state.message;
  }

  get env(): SieveRunEnvironment {
    return this.state.env;
  }

  async run(): Promise<void> {
    try {
      await this.block(this.script.commands);
    } catch (err) {
      if (!(err instanceof ReturnSignal)) throw err;
    }
  }

  async block(commands: SieveCommand[]): Promise<void> {
    let branchTaken = false;
    for (const command of commands) {
      this.step();
      if (command.name === 'if' || command.name === 'elsif' || command.name === 'else') {
        if (command.name === 'if') branchTaken = false;
        if (branchTaken) continue;
        if (command.name === 'else' || (await this.test(command.test!))) {
          branchTaken = true;
          await this.block(command.block!);
        }
        continue;
      }
      const handler = this.state.commands[command.name];
      if (!handler) throw new SieveRuntimeError(`${command.name} is not implemented`);
      await handler(this, command);
    }
  }

  async test(test: SieveTest): Promise<boolean> {
    this.step();
    const handler = this.state.tests[test.name];
    if (!handler) throw new SieveRuntimeError(`test ${test.name} is not implemented`);
    return handler(this, test);
  }

  /** Counts a step against the run's budget of steps and time. */
  step(): void {
    const s = this.state;
    s.steps++;
    if (s.steps > s.limits.maxSteps) throw new SieveRuntimeError(`the script took more than ${s.limits.maxSteps} steps`);
    if ((s.steps & 255) === 0 && Date.now() > s.deadline) throw new SieveRuntimeError(`the script ran longer than ${s.limits.maxRunMs} ms`);
  }

  addAction(action: SieveAction): void {
    if (this.state.actions.length >= this.state.limits.maxActions) throw new SieveRuntimeError(`more than ${this.state.limits.maxActions} actions`);
    this.state.actions.push(action);
  }

  /** A string argument, variables expanded. */
  str(value: SieveValue | null | undefined): string {
    return value?.kind === 'string' ? this.variables.expand(value.value) : '';
  }

  /** A string-list argument, variables expanded. */
  list(value: SieveValue | null | undefined): string[] {
    return value ? strings(value).map((s) => this.variables.expand(s)) : [];
  }

  num(value: SieveValue | null | undefined): number {
    return value?.kind === 'number' ? value.value : 0;
  }

  tagString(node: SieveCommand | SieveTest, tag: string): string | null {
    const t = node.tags.get(tag);
    return t ? this.str(t.value) : null;
  }

  /** `:index N [:last]` of a test, when given (RFC 5260 4). */
  index(node: SieveCommand | SieveTest): { n: number; last: boolean } | undefined {
    const t = node.tags.get('index');
    return t ? { n: this.num(t.value), last: node.tags.has('last') } : undefined;
  }

  /** Matches values against keys as the node's tags say; a `:matches` success sets ${0}..${N}. */
  match(node: SieveCommand | SieveTest, values: string[], keys: string[]): boolean {
    const result = matchAny(matcherOf(node), values, keys);
    if (result.ok && result.captures) this.variables.setCaptures(result.captures);
    return result.ok;
  }
}
