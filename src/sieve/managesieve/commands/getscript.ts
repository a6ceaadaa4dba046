import { refused, textArgs } from '../args.ts';
import { ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.9: the script as a literal, whatever its length. */
export const getscript: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    const texts = textArgs(args, ['a script name'], 'GETSCRIPT');
    if (!Array.isArray(texts)) return texts;
    let content: string;
    try {
      content = await session.deps.scripts.get(session.account!.id, texts[0]!);
    } catch (err) {
      return refused(err);
    }
    const bytes = Buffer.from(content, 'utf8');
    await session.write(Buffer.concat([Buffer.from(`{${bytes.length}}\r\n`), bytes, Buffer.from('\r\n')]));
    return ok();
  },
};
