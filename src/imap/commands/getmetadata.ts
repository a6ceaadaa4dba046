import { mailbox as encodeMailbox } from '../encoder.ts';
import { parseMailboxName } from '../mailbox-name.ts';
import { metadataResponse, parseEntries, parseGetOptions, selectEntries, type GetOptions } from '../metadata.ts';
import { metadataTarget } from '../metadata-target.ts';
import { command, ok } from '../command.ts';

/**
 * RFC 5464 4.2: `GETMETADATA [SP "(" options ")"] SP mailbox SP entries`; the
 * mailbox "" names the server's entries (METADATA-SERVER). A requested entry that
 * does not exist is answered NIL, as Dovecot does.
 */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    let options: GetOptions = { maxSize: null, depth: 0 };
    if (p.peek() === 0x28) {
      options = parseGetOptions(p);
      p.sp();
    }
    const name = parseMailboxName(p);
    p.sp();
    const entries = parseEntries(p);
    p.end();
    return { name, options, entries };
  },
  async run(session, { name, options, entries }) {
    const target = await metadataTarget(session, name);
    if (typeof target !== 'number' && target !== null) return target;
    const stored = await session.deps.store.listMetadata(session.account!.id, target);
    const { found, longest } = selectEntries(stored, entries, options);
    if (found.length > 0) await session.untagged(metadataResponse(encodeMailbox(name, session.utf8), found));
    return ok('GETMETADATA completed', longest > 0 ? `METADATA LONGENTRIES ${longest}` : undefined);
  },
});
