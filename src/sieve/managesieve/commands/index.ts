import type { SieveCommand } from '../session.ts';
import { authenticate } from './authenticate.ts';
import { capability } from './capability.ts';
import { checkscript } from './checkscript.ts';
import { deletescript } from './deletescript.ts';
import { getscript } from './getscript.ts';
import { havespace } from './havespace.ts';
import { listscripts } from './listscripts.ts';
import { logout } from './logout.ts';
import { noop } from './noop.ts';
import { putscript } from './putscript.ts';
import { renamescript } from './renamescript.ts';
import { setactive } from './setactive.ts';
import { starttls } from './starttls.ts';
import { unauthenticate } from './unauthenticate.ts';

/** Every command of RFC 5804 section 2, by name. */
export const COMMANDS: ReadonlyMap<string, SieveCommand> = new Map([
  ['AUTHENTICATE', authenticate],
  ['STARTTLS', starttls],
  ['LOGOUT', logout],
  ['CAPABILITY', capability],
  ['HAVESPACE', havespace],
  ['PUTSCRIPT', putscript],
  ['LISTSCRIPTS', listscripts],
  ['SETACTIVE', setactive],
  ['GETSCRIPT', getscript],
  ['DELETESCRIPT', deletescript],
  ['RENAMESCRIPT', renamescript],
  ['CHECKSCRIPT', checkscript],
  ['NOOP', noop],
  ['UNAUTHENTICATE', unauthenticate],
]);
