import { command, ok } from '../command.ts';

/** RFC 5161. Of the extensions that need enabling, only CONDSTORE is offered. */
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
    const enabled = names.includes('CONDSTORE') ? ['CONDSTORE'] : [];
    if (enabled.length > 0) session.condstore = true;
    await session.untagged(`ENABLED${enabled.map((n) => ` ${n}`).join('')}`);
    return ok('ENABLE completed');
  },
});
