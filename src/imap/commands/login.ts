import { command, no } from '../command.ts';

/** RFC 3501 6.2.3. Refused before TLS (LOGINDISABLED) except where plaintext is allowed. */
export default command({
  states: ['not-authenticated'],
  parse(p) {
    p.sp();
    const username = p.astring();
    p.sp();
    const password = p.astring();
    p.end();
    return { username, password };
  },
  async run(session, { username, password }) {
    if (!session.plaintextAllowed) return no('Use STARTTLS or port 993 before logging in', 'PRIVACYREQUIRED');
    return session.login({ authzid: '', username, password }, 'LOGIN');
  },
});
