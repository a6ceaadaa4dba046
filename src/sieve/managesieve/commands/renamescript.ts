import { refused, textArgs } from '../args.ts';
import { ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.11: an active script stays active under its new name. */
export const renamescript: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    const texts = textArgs(args, ['the old name', 'the new name'], 'RENAMESCRIPT');
    if (!Array.isArray(texts)) return texts;
    try {
      await session.deps.scripts.rename(session.account!.id, texts[0]!, texts[1]!);
    } catch (err) {
      return refused(err);
    }
    session.log.info({ user: session.account!.address, script: texts[0], to: texts[1] }, 'script renamed');
    return ok();
  },
};
