import type { Pop3Command } from '../session.ts';

/** Addresses are at most 254 octets; RFC 1939's 40-character limit is too short for them. */
const MAX_USER = 254;

/** RFC 1939 section 7: the name is kept for PASS; nothing tells whether it exists. */
export const user: Pop3Command = {
  states: ['authorization'],
  async run(session, rest) {
    if (!session.plaintextAllowed) {
      return session.err('Plaintext authentication is not allowed without TLS; use STLS', 'AUTH');
    }
    if (rest === '' || rest.includes(' ') || rest.length > MAX_USER) return session.err('USER takes one user name');
    session.pendingUser = rest;
    await session.ok();
  },
};
