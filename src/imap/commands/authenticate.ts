import { saslContext } from '../../auth/sasl-context.ts';
import { decodeSaslResponse, startSasl } from '../../auth/sasl.ts';
import { runSaslDialogue } from '../../auth/sasl-dialogue.ts';
import { bad, command, no } from '../command.ts';

/** RFC 3501 6.2.2 with SASL-IR (RFC 4959); the mechanisms come from auth/sasl.ts. */
export default command({
  states: ['not-authenticated'],
  parse(p) {
    p.sp();
    const mechanism = p.atom().toUpperCase();
    let initial: string | null = null;
    if (!p.atEnd) {
      p.sp();
      initial = p.take('=') ? '=' : p.atom();
    }
    p.end();
    return { mechanism, initial };
  },
  async run(session, { mechanism, initial }) {
    if (!session.plaintextAllowed) return no('Use STARTTLS or port 993 before logging in', 'PRIVACYREQUIRED');
    const exchange = startSasl(mechanism, saslContext(session.deps.store, session.connection.socket, session.secure));
    if (!exchange) return no(`Mechanism ${mechanism} is not supported`, 'CANNOT');
    let response: Buffer | null = null;
    if (initial !== null) {
      const decoded = decodeSaslResponse(initial);
      if (decoded.type !== 'data') return bad('Invalid initial response');
      response = decoded.data;
    }
    const end = await runSaslDialogue(exchange, response, async (challenge) => {
      await session.write(`+ ${challenge}\r\n`);
      const line = await session.readLine();
      return line === null ? 'closed' : decodeSaslResponse(line.toString('latin1'));
    });
    if (end.type === 'done') return session.login(end.credentials, mechanism);
    if (end.type === 'error') {
      session.log.info({ ip: session.ip, mechanism, reason: end.reason }, 'login failed');
      return no(end.reason, 'AUTHENTICATIONFAILED');
    }
    if (end.type === 'closed') return no('Connection closed');
    return bad(end.type === 'cancel' ? 'Authentication cancelled' : 'Invalid base64 in the response');
  },
});
