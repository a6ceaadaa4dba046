import { mailbox as encodeName } from '../encoder.ts';
import { hierarchy, patternMatcher } from '../list-pattern.ts';
import { SEPARATOR } from '../mailbox-name.ts';
import { ParseError, type Parser } from '../parser.ts';
import { command, ok } from '../command.ts';
import { decodeMailboxName } from '../utf7.ts';

/** reference SP list-mailbox, both in modified UTF-7; shared with LSUB. */
export function parseListArgs(p: Parser): { reference: string; pattern: string } {
  p.sp();
  const reference = decodeMailboxName(p.astring());
  p.sp();
  const pattern = decodeMailboxName(p.listMailbox());
  p.end();
  if (reference === null || pattern === null) throw new ParseError('not valid modified UTF-7');
  return { reference, pattern };
}

/** RFC 3501 6.3.8 with CHILDREN (RFC 3348) and SPECIAL-USE (RFC 6154) attributes. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseListArgs,
  async run(session, { reference, pattern }) {
    if (pattern === '') {
      await session.untagged(`LIST (\\Noselect) "${SEPARATOR}" ""`);
      return ok('LIST completed');
    }
    const mailboxes = await session.deps.store.listMailboxes(session.account!.id);
    const special = new Map(mailboxes.map((m) => [m.name, m.specialUse]));
    const matches = patternMatcher(reference, pattern);
    for (const entry of hierarchy(mailboxes.map((m) => m.name))) {
      if (!matches(entry.name)) continue;
      const attributes = [entry.hasChildren ? '\\HasChildren' : '\\HasNoChildren'];
      if (!entry.exists) attributes.unshift('\\Noselect');
      const use = special.get(entry.name);
      if (use) attributes.push(use);
      await session.untagged(`LIST (${attributes.join(' ')}) "${SEPARATOR}" ${encodeName(entry.name)}`);
    }
    return ok('LIST completed');
  },
});
