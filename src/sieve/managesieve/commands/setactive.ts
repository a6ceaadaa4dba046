import { refused, textArgs } from '../args.ts';
import { ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.8: the empty name deactivates whatever is active. */
export const setactive: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    const texts = textArgs(args, ['a script name'], 'SETACTIVE');
    if (!Array.isArray(texts)) return texts;
    const name = texts[0] || null;
    try {
      await session.deps.scripts.activate(session.account!.id, name);
    } catch (err) {
      return refused(err);
    }
    session.log.info({ user: session.account!.address, script: name }, name ? 'script activated' : 'scripts deactivated');
    return ok();
  },
};
