import { no, ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.3: an OK, then the server closes. */
export const logout: SieveCommand = {
  states: ['non-authenticated', 'authenticated'],
  async run(session, args) {
    if (args.length > 0) return no('LOGOUT takes no arguments');
    session.leaving = true;
    return ok('Logout completed');
  },
};
