import { saslContext } from '../../auth/sasl-context.ts';
import { SASL_MECHANISMS, decodeSaslResponse, scramMechanisms, startSasl } from '../../auth/sasl.ts';
import type { Pop3Command, Pop3Session } from '../session.ts';

/** Reads the client's next response line; null when the exchange is over (answered already). */
async function readResponse(session: Pop3Session): Promise<Buffer | null> {
  const incoming = await session.channel.next();
  if (incoming === null) return null;
  const response = incoming.type === 'too-long' ? null : decodeSaslResponse(incoming.text);
  if (response?.type === 'data') return response.data;
  await session.err(response?.type === 'cancel' ? 'Authentication cancelled' : 'Invalid response');
  return null;
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
    for (;;) {
      const step = await exchange.step(response);
      if (step.type === 'error') {
        session.log.info({ ip: session.ip, mechanism: mechanism.toUpperCase(), reason: step.reason }, 'login failed');
        return session.err(`Authentication failed: ${step.reason}`, 'AUTH');
      }
      if (step.type === 'done') return session.login(step.credentials, mechanism.toUpperCase());
      if (!(await session.reply(`+ ${step.challenge}`))) return;
      response = await readResponse(session);
      if (response === null) return;
    }
  },
};
