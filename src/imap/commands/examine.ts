import { command } from '../command.ts';
import { parseSelect, selectMailbox } from './select.ts';

/** RFC 3501 6.3.2: SELECT, read-only. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseSelect,
  run: (session, args) => selectMailbox(session, args, true),
});
