import { command, ok } from '../command.ts';
import type { ImapSession } from '../session.ts';

/** What each extension that needs enabling turns on; QRESYNC implies CONDSTORE (RFC 7162 3.2.3). */
const ENABLERS: Record<string, (session: ImapSession) => void> = {
  CONDSTORE: (s) => {
    s.condstore = true;
  },
  QRESYNC: (s) => {
    s.condstore = true;
    s.qresync = true;
  },
  'UTF8=ACCEPT': (s) => {
    s.utf8 = true;
  },
};

/** RFC 5161: unknown names are ignored; the answer lists what was enabled. */
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
    const enabled = [...new Set(names.filter((n) => n in ENABLERS))];
    for (const name of enabled) ENABLERS[name]!(session);
    await session.untagged(`ENABLED${enabled.map((n) => ` ${n}`).join('')}`);
    return ok('ENABLE completed');
  },
});
