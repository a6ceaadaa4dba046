import { bad, command, ok } from '../command.ts';

/** RFC 3501 6.2.1: the handshake starts after the tagged OK; pipelined input is dropped. */
export default command({
  states: ['not-authenticated'],
  parse: (p) => p.end(),
  async run(session) {
    if (session.secure || !session.starttlsOffered) return bad('TLS is already active');
    return {
      ...ok('Begin TLS negotiation now'),
      after: async () => {
        try {
          await session.connection.startTls(session.deps.tls.socketOptions());
          session.secure = true;
          session.log.info('TLS started');
        } catch (err) {
          session.log.info({ err: (err as Error).message }, 'TLS handshake failed');
          session.connection.destroy();
        }
      },
    };
  },
});
