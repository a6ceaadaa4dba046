import { refused } from '../args.ts';
import { no, ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.12: PUTSCRIPT's check without storing anything. */
export const checkscript: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    const [content, extra] = args;
    if (content?.type !== 'string' || extra) return no('CHECKSCRIPT takes the script, as a string');
    try {
      session.deps.scripts.check(content.bytes);
    } catch (err) {
      return refused(err);
    }
    return ok();
  },
};
