import { SASL_MECHANISMS, scramMechanisms } from '../../auth/sasl.ts';
import type { Pop3Command, Pop3Session } from '../session.ts';

/** RFC 2449: what the server offers, as this session can use it now. */
export function capabilities(session: Pop3Session): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (session.state === 'authorization') {
    // Before TLS on a remote connection a password cannot be sent, so no way to send one is offered.
    if (session.plaintextAllowed) caps.push('USER', ['SASL', ...SASL_MECHANISMS, ...scramMechanisms(session.secure)].join(' '));
    if (!session.secure) caps.push('STLS');
  }
  caps.push('IMPLEMENTATION Mailfold');
  return caps;
}

export const capa: Pop3Command = {
  states: ['authorization', 'transaction'],
  async run(session) {
    await session.reply(['+OK Capability list follows', ...capabilities(session), '.'].join('\r\n'));
  },
};
