import { no, ok, statusLine } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.2: after the handshake the capabilities go out again, then an OK. */
export const starttls: SieveCommand = {
  states: ['non-authenticated'],
  async run(session, args) {
    if (args.length > 0) return no('STARTTLS takes no arguments');
    if (session.secure || !session.starttlsOffered) return no('TLS is active already');
    await session.write(statusLine('OK', 'Begin TLS negotiation now'));
    if (!(await session.channel.upgrade(session.deps.tls.socketOptions(), session.log))) {
      session.ending = true;
      return no('TLS handshake failed');
    }
    session.secure = true;
    await session.write(session.capabilities());
    return ok('TLS active');
  },
};
