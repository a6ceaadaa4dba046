import { saslContext } from '../../../auth/sasl-context.ts';
import { decodeSaslResponse, startSasl, type SaslResponse } from '../../../auth/sasl.ts';
import { runSaslDialogue } from '../../../auth/sasl-dialogue.ts';
import type { Word } from '../parser.ts';
import { no, sieveString } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** A client response: one string of base64, "" being the empty response (RFC 5804 section 2.1). */
function response(words: Word[]): SaslResponse {
  const [word, extra] = words;
  if (word?.type !== 'string' || extra) return { type: 'invalid' };
  const text = word.bytes.toString('latin1');
  return text === '' ? { type: 'data', data: Buffer.alloc(0) } : decodeSaslResponse(text);
}

/** RFC 5804 section 2.1; the mechanisms and the throttle are the ones every protocol shares (auth/). */
export const authenticate: SieveCommand = {
  states: ['non-authenticated'],
  async run(session, args) {
    const [mechanismWord, ...initial] = args;
    if (mechanismWord?.type !== 'string' || initial.length > 1) return no('AUTHENTICATE takes a mechanism and an optional initial response, as strings');
    const mechanism = mechanismWord.bytes.toString('latin1').toUpperCase();
    if (!session.plaintextAllowed) return no('Use STARTTLS before logging in', 'ENCRYPT-NEEDED');
    const exchange = session.mechanisms.includes(mechanism) ? startSasl(mechanism, saslContext(session.deps.store, session.channel.socket, session.secure)) : null;
    if (!exchange) return no(`Mechanism ${mechanism.slice(0, 32)} is not supported`);
    let data: Buffer | null = null;
    if (initial.length === 1) {
      const decoded = response(initial);
      if (decoded.type !== 'data') return no('Invalid initial response');
      data = decoded.data;
    }
    const end = await runSaslDialogue(exchange, data, async (challenge) => {
      if (!(await session.write(Buffer.concat([sieveString(challenge), Buffer.from('\r\n')])))) return 'closed';
      const words = await session.readResponse();
      if (words === null) return 'closed';
      return words === 'invalid' ? { type: 'invalid' } : response(words);
    });
    if (end.type === 'done') return session.login(end.credentials, mechanism);
    if (end.type === 'error') {
      session.log.info({ ip: session.ip, mechanism, reason: end.reason }, 'login failed');
      return no(`Authentication failed: ${end.reason}`);
    }
    if (end.type === 'closed') return no('Connection closed');
    return no(end.type === 'cancel' ? 'Authentication cancelled' : 'Invalid response: a string of base64 is expected');
  },
};
