import { refused, textArgs } from '../args.ts';
import { no, ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.6: stored only if it parses; the errors name their line and column. */
export const putscript: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    const [nameWord, content, extra] = args;
    if (content?.type !== 'string' || extra) return no('PUTSCRIPT takes a script name and the script, as strings');
    const name = textArgs([nameWord!], ['a script name'], 'PUTSCRIPT');
    if (!Array.isArray(name)) return name;
    try {
      await session.deps.scripts.put(session.account!.id, name[0]!, content.bytes);
    } catch (err) {
      session.log.info({ user: session.account!.address, script: name[0], reason: (err as Error).message.slice(0, 200) }, 'script refused');
      return refused(err);
    }
    session.log.info({ user: session.account!.address, script: name[0], size: content.bytes.length }, 'script stored');
    return ok();
  },
};
