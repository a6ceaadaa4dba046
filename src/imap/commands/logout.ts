import { command, ok } from '../command.ts';

/** RFC 3501 6.1.3: BYE, the tagged OK, then the connection closes. */
export default command({
  states: ['not-authenticated', 'authenticated', 'selected'],
  parse: (p) => p.end(),
  async run(session) {
    await session.untagged('BYE Logging out');
    session.deselect();
    session.state = 'logout';
    return { ...ok('LOGOUT completed'), after: () => session.connection.end() };
  },
});
