import type { CommandHandler, TestHandler } from './run.ts';
import { setValue } from './variables.ts';

/** RFC 5229: `set` and the `string` test. */
export const variableCommands: Record<string, CommandHandler> = {
  set: (run, c) => {
    const name = c.positional[0]!.kind === 'string' ? (c.positional[0] as { value: string }).value : '';
    run.variables.set(name, setValue(c, run.str(c.positional[1])));
  },
};

export const variableTests: Record<string, TestHandler> = {
  // RFC 5229 5: with :count, empty strings are not counted.
  string: (run, t) => {
    const values = run.list(t.positional[0]);
    return run.match(t, t.tags.has('count') ? values.filter(Boolean) : values, run.list(t.positional[1]));
  },
};
