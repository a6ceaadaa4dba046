import { command, ok } from '../command.ts';

/** RFC 2342: one personal namespace, no others. */
export default command({
  states: ['authenticated', 'selected'],
  parse: (p) => p.end(),
  async run(session) {
    await session.untagged('NAMESPACE (("" "/")) NIL NIL');
    return ok('NAMESPACE completed');
  },
});
