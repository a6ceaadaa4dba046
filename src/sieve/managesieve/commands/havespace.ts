import { refused, textArgs } from '../args.ts';
import { no, ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.5: whether a script of this size would fit under this name. */
export const havespace: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    const [nameWord, size, extra] = args;
    if (size?.type !== 'number' || extra) return no('HAVESPACE takes a script name (a string) and a size (a number)');
    const name = textArgs([nameWord!], ['a script name'], 'HAVESPACE');
    if (!Array.isArray(name)) return name;
    try {
      await session.deps.scripts.haveSpace(session.account!.id, name[0]!, size.value);
    } catch (err) {
      return refused(err);
    }
    return ok();
  },
};
