import { no, ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.4. */
export const capability: SieveCommand = {
  states: ['non-authenticated', 'authenticated'],
  async run(session, args) {
    if (args.length > 0) return no('CAPABILITY takes no arguments');
    await session.write(session.capabilities());
    return ok();
  },
};
