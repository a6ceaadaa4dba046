import { str } from '../encoder.ts';
import { ParseError } from '../parser.ts';
import { command, ok } from '../command.ts';
import { VERSION } from '../../version.ts';

/** RFC 2971. The client's fields are logged (they help support), the server names itself. */
export default command({
  states: ['not-authenticated', 'authenticated', 'selected'],
  parse(p) {
    p.sp();
    if (p.take('NIL')) {
      p.end();
      return {};
    }
    const fields: Record<string, string | null> = {};
    const items = p.list(() => {
      const key = p.string();
      p.sp();
      return [key, p.nstring()] as const;
    });
    if (items.length > 30) throw new ParseError('too many ID fields');
    for (const [key, value] of items) fields[key.slice(0, 30)] = value === null ? null : value.slice(0, 1024);
    p.end();
    return fields;
  },
  async run(session, fields) {
    if (Object.keys(fields).length > 0) session.log.info({ client: fields }, 'client id');
    await session.untagged(`ID (${str('name')} ${str('Mailfold')} ${str('version')} ${str(VERSION)})`);
    return ok('ID completed');
  },
});
