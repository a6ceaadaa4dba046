import type { Pop3Command } from '../session.ts';

/** RFC 2595 section 4: TLS in the middle of the connection, before any login. */
export const stls: Pop3Command = {
  states: ['authorization'],
  async run(session, rest) {
    if (rest !== '') return session.err('STLS takes no arguments');
    if (session.secure) return session.err('TLS is already active');
    if (!(await session.ok('Begin TLS negotiation'))) return;
    if (!(await session.channel.upgrade(session.deps.tls.socketOptions(), session.log))) {
      session.ending = true;
      return;
    }
    // Anything learned before TLS is forgotten (RFC 2595 section 4: a USER given in clear).
    session.secure = true;
    session.pendingUser = null;
  },
};
