import { no, ok, sieveString } from '../response.ts';
import type { SieveCommand } from '../session.ts';

/** RFC 5804 section 2.13: an optional string comes back in the TAG response code. */
export const noop: SieveCommand = {
  states: ['non-authenticated', 'authenticated'],
  async run(_session, args) {
    const [tag, extra] = args;
    if (extra || (tag && tag.type !== 'string')) return no('NOOP takes an optional string');
    return tag ? ok('Done', `TAG ${sieveString(tag.bytes).toString()}`) : ok('Done');
  },
};
