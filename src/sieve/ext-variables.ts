import type { CommandHandler, TestHandler } from './run.ts';
import { setValue } from './variables.ts';

/** RFC 5229: `set` and the `string` test. */
export const variableCommands: Record<string, CommandHandler> = {
  // The name is taken as written: RFC 5229 4 does not expand variables in it.
  set: (run, c) => {
    const name = c.positional[0];
    run.variables.set(name?.kind === 'string' ? name.value : '', setValue(c, run.str(c.positional[1])));
  },
};

export const variableTests: Record<string, TestHandler> = {
  // RFC 5229 5: with :count, empty strings are not counted.
  string: (run, t) => {
    const values = run.list(t.positional[0]);
    return run.match(t, t.tags.has('count') ? values.filter(Boolean) : values, run.list(t.positional[1]));
  },
};
