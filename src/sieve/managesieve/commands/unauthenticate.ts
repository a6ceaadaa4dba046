import { no, ok } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.14: back to the non-authenticated state, as after the greeting. */
export const unauthenticate: SieveCommand = {
  states: ['authenticated'],
  async run(session, args) {
    if (args.length > 0) return no('UNAUTHENTICATE takes no arguments');
    session.logout();
    return ok();
  },
};
