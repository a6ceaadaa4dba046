import type { SieveCommand } from './ast.ts';
import { splitFlags } from './core.ts';
import type { CommandHandler, ScriptRun, TestHandler } from './run.ts';

/**
 * RFC 5232: setflag, addflag, removeflag and hasflag, on the internal flag variable or,
 * with a first argument, on a variable of that name.
 */
export const flagCommands: Record<string, CommandHandler> = {
  setflag: (run, c) => change(run, c, (_, given) => given),
  addflag: (run, c) => change(run, c, (now, given) => splitFlags([...now, ...given])),
  removeflag: (run, c) => change(run, c, (now, given) => now.filter((f) => !given.some((g) => g.toLowerCase() === f.toLowerCase()))),
};

export const flagTests: Record<string, TestHandler> = {
  hasflag: (run, t) => {
    const names = t.positional.length === 2 ? run.list(t.positional[0]) : null;
    const flags = names ? splitFlags(names.map((n) => run.variables.get(n))) : run.state.flags;
    return run.match(t, flags, run.list(t.positional.at(-1)));
  },
};

function change(run: ScriptRun, c: SieveCommand, op: (now: string[], given: string[]) => string[]): void {
  const given = splitFlags(run.list(c.positional.at(-1)));
  if (c.positional.length === 2) {
    const name = run.str(c.positional[0]);
    run.variables.set(name, op(splitFlags([run.variables.get(name)]), given).join(' '));
  } else run.state.flags = op(run.state.flags, given);
}
