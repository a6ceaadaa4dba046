import { command, ok } from '../command.ts';

/** RFC 3501 6.1.1: what this session offers now (it changes with TLS and login). */
export default command({
  states: ['not-authenticated', 'authenticated', 'selected'],
  parse: (p) => p.end(),
  async run(session) {
    await session.untagged(`CAPABILITY ${session.capabilities().join(' ')}`);
    return ok('CAPABILITY completed');
  },
});
