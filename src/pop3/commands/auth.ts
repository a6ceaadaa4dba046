import { saslContext } from '../../auth/sasl-context.ts';
import { SASL_MECHANISMS, decodeSaslResponse, scramMechanisms, startSasl, type SaslResponse } from '../../auth/sasl.ts';
import { runSaslDialogue } from '../../auth/sasl-dialogue.ts';
import type { Pop3Command, Pop3Session } from '../session.ts';

/** Sends a challenge and reads the client's response line. */
async function ask(session: Pop3Session, challenge: string): Promise<SaslResponse | 'closed'> {
  if (!(await session.reply(`+ ${challenge}`))) return 'closed';
  const incoming = await session.channel.next();
  if (incoming === null) return 'closed';
  return incoming.type === 'too-long' ? { type: 'invalid' } : decodeSaslResponse(incoming.text);
}

/**
 * RFC 5034 with the initial response of SASL-IR; AUTH alone lists the
 * mechanisms, as RFC 1734 had it and Outlook still asks.
 */
export const auth: Pop3Command = {
  states: ['authorization'],
  async run(session, rest) {
    if (rest === '') return session.reply(['+OK', ...SASL_MECHANISMS, ...scramMechanisms(session.secure), '.'].join('\r\n'));
    const [mechanism, initial, extra] = rest.split(' ');
    if (extra !== undefined || !mechanism) return session.err('AUTH takes a mechanism and an optional initial response');
    if (!session.plaintextAllowed) {
      return session.err('Plaintext authentication is not allowed without TLS; use STLS', 'AUTH');
    }
    const exchange = startSasl(mechanism, saslContext(session.deps.store, session.channel.socket, session.secure));
    if (!exchange) return session.err(`Unsupported mechanism ${mechanism.slice(0, 20)}`);
    let response: Buffer | null = null;
    if (initial !== undefined) {
      const decoded = decodeSaslResponse(initial);
      if (decoded.type !== 'data') return session.err('Invalid initial response');
      response = decoded.data;
    }
    const end = await runSaslDialogue(exchange, response, (challenge) => ask(session, challenge));
    if (end.type === 'done') return session.login(end.credentials, mechanism.toUpperCase());
    if (end.type === 'error') {
      session.log.info({ ip: session.ip, mechanism: mechanism.toUpperCase(), reason: end.reason }, 'login failed');
      return session.err(`Authentication failed: ${end.reason}`, 'AUTH');
    }
    if (end.type !== 'closed') return session.err(end.type === 'cancel' ? 'Authentication cancelled' : 'Invalid response');
  },
};
