import { refused, textArgs } from '../args.ts';
import { ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.10: the active script cannot be deleted (ACTIVE). */
export const deletescript: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    const texts = textArgs(args, ['a script name'], 'DELETESCRIPT');
    if (!Array.isArray(texts)) return texts;
    try {
      await session.deps.scripts.delete(session.account!.id, texts[0]!);
    } catch (err) {
      return refused(err);
    }
    session.log.info({ user: session.account!.address, script: texts[0] }, 'script deleted');
    return ok();
  },
};
