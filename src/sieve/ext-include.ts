import { SieveRuntimeError } from './errors.ts';
import { parseSieve } from './parse.ts';
import { ReturnSignal, ScriptRun, type CommandHandler } from './run.ts';

/** RFC 6609: include (the account's own scripts; there are no global ones), return, global. */
export const includeCommands: Record<string, CommandHandler> = {
  include: async (run, c) => {
    const name = run.str(c.positional[0]);
    const optional = c.tags.has('optional');
    if (c.tags.has('global')) {
      if (optional) return;
      throw new SieveRuntimeError(`include: there are no global scripts (${name})`);
    }
    if (c.tags.has('once') && run.state.included.has(name)) return;
    if (run.state.includeDepth >= run.state.limits.maxIncludeDepth) throw new SieveRuntimeError(`include: nested deeper than ${run.state.limits.maxIncludeDepth}`);
    const text = await run.env.store.getSieveScript(run.env.account.id, name);
    if (text === null) {
      if (optional) return;
      throw new SieveRuntimeError(`include: no script named ${name}`);
    }
    const parsed = parseSieve(text, run.state.limits);
    if (!parsed.ok) {
      const first = parsed.errors[0]!;
      throw new SieveRuntimeError(`include: ${name} line ${first.line}: ${first.message}`);
    }
    run.state.included.add(name);
    run.state.includeDepth++;
    try {
      await new ScriptRun(run.state, parsed.script).run();
    } finally {
      run.state.includeDepth--;
    }
  },
  return: () => {
    throw new ReturnSignal();
  },
  global: (run, c) => run.variables.declareGlobal(run.list(c.positional[0])),
};
