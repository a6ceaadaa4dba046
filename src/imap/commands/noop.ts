import { command, ok } from '../command.ts';

/** RFC 3501 6.1.2: does nothing; the session reports mailbox changes after any command. */
export default command({
  states: ['not-authenticated', 'authenticated', 'selected'],
  parse: (p) => p.end(),
  run: async () => ok('NOOP completed'),
});
