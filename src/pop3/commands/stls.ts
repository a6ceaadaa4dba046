import type { TLSSocket } from 'node:tls';
import type { Pop3Command } from '../session.ts';

/** RFC 2595 section 4: TLS in the middle of the connection, before any login. */
export const stls: Pop3Command = {
  states: ['authorization'],
  async run(session, rest) {
    if (rest !== '') return session.err('STLS takes no arguments');
    if (session.secure) return session.err('TLS is already active');
    if (!(await session.ok('Begin TLS negotiation'))) return;
    try {
      await session.channel.startTls(session.deps.tls.socketOptions());
    } catch (err) {
      session.log.info({ err: (err as Error).message }, 'TLS handshake failed');
      session.ending = true;
      session.channel.destroy();
      return;
    }
    // Anything learned before TLS is forgotten (RFC 2595 section 4: a USER given in clear).
    session.secure = true;
    session.pendingUser = null;
    const socket = session.channel.socket as TLSSocket;
    session.log.info({ protocol: socket.getProtocol(), cipher: socket.getCipher().name }, 'tls started');
  },
};
