import { no, ok, sieveString } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.7: a line per script, the active one marked ACTIVE. */
export const listscripts: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    if (args.length > 0) return no('LISTSCRIPTS takes no arguments');
    const scripts = await session.deps.scripts.list(session.account!.id);
    const lines = scripts.map((s) => Buffer.concat([sieveString(s.name), Buffer.from(s.active ? ' ACTIVE\r\n' : '\r\n')]));
    if (lines.length > 0) await session.write(Buffer.concat(lines));
    return ok();
  },
};
