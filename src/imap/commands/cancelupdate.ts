import { cancelContext } from '../search-context.ts';
import { ParseError, type Parser } from '../parser.ts';
import { bad, command, ok } from '../command.ts';

/** `CANCELUPDATE 1*(SP quoted)`: the tags of update contexts (RFC 5267 section 4.3). */
export function parseCancelUpdate(p: Parser): string[] {
  const tags: string[] = [];
  do {
    p.sp();
    if (p.peek() !== 0x22) throw new ParseError('CANCELUPDATE takes quoted tags');
    tags.push(p.string());
  } while (p.peek() === 0x20);
  p.end();
  return tags;
}

/** Stops the updates of SEARCH and SORT contexts; a tag that names none is a client error. */
export default command({
  states: ['selected'],
  parse: parseCancelUpdate,
  async run(session, tags) {
    const unknown = tags.filter((tag) => !cancelContext(session.view!, tag));
    if (unknown.length > 0) return bad(`No update context for ${unknown.join(', ')}`);
    return ok('CANCELUPDATE completed');
  },
});
