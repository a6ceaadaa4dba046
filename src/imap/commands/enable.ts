import { command, ok } from '../command.ts';
import type { ImapSession } from '../session.ts';

/**
 * What each extension that needs enabling turns on, by its name as advertised.
 * QRESYNC implies CONDSTORE (RFC 7162 3.2.3); IMAP4rev2 implies UTF-8 mailbox
 * names (RFC 9051 5.1: Net-Unicode, modified UTF-7 is no longer used).
 */
const ENABLERS: Record<string, (session: ImapSession) => void | Promise<void>> = {
  CONDSTORE: (s) => s.enableCondstore(),
  QRESYNC: async (s) => {
    await s.enableCondstore();
    s.qresync = true;
  },
  'UTF8=ACCEPT': (s) => {
    s.utf8 = true;
  },
  IMAP4rev2: (s) => {
    s.rev2 = true;
    s.utf8 = true;
  },
};

const BY_UPPER = new Map(Object.keys(ENABLERS).map((name) => [name.toUpperCase(), name]));

/**
 * RFC 5161: names this server does not offer are ignored; the answer lists what
 * this command enabled, so a name enabled before is not repeated.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    const names: string[] = [];
    do {
      p.sp();
      names.push(p.atom().toUpperCase());
    } while (!p.atEnd);
    return names;
  },
  async run(session, names) {
    const enabled: string[] = [];
    for (const upper of new Set(names)) {
      const name = BY_UPPER.get(upper);
      if (!name || session.enabled.has(name)) continue;
      await ENABLERS[name]!(session);
      session.enabled.add(name);
      enabled.push(name);
    }
    await session.untagged(`ENABLED${enabled.map((n) => ` ${n}`).join('')}`);
    return ok('ENABLE completed');
  },
});
