import type { Pop3Command } from '../session.ts';

/** RFC 1939 section 7. The password is the rest of the line: it may contain spaces. */
export const pass: Pop3Command = {
  states: ['authorization'],
  async run(session, rest) {
    if (!session.plaintextAllowed) {
      return session.err('Plaintext authentication is not allowed without TLS; use STLS', 'AUTH');
    }
    const username = session.pendingUser;
    if (username === null) return session.err('Send USER first');
    await session.login({ authzid: '', username, password: rest }, 'USER');
  },
};
