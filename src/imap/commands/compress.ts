import { bad, command, no, ok } from '../command.ts';

/**
 * RFC 4978 COMPRESS DEFLATE: compression starts right after the CRLF of the
 * tagged OK, in both directions; a second COMPRESS is refused.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const mechanism = p.keyword();
    p.end();
    return mechanism;
  },
  async run(session, mechanism) {
    if (mechanism !== 'DEFLATE') return bad(`Unknown compression mechanism ${mechanism}`);
    if (session.connection.compressed) return no('Compression is already active', 'COMPRESSIONACTIVE');
    return {
      ...ok('DEFLATE active'),
      after: async () => {
        session.connection.startCompression();
        session.log.debug('compression started');
      },
    };
  },
});
