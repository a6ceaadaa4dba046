import { command, ok } from '../command.ts';

/** RFC 3691: CLOSE without the expunge. */
export default command({
  states: ['selected'],
  parse: (p) => p.end(),
  async run(session) {
    session.deselect();
    return ok('UNSELECT completed');
  },
});
