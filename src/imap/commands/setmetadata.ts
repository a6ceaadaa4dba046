import { parseMailboxName } from '../mailbox-name.ts';
import { ACCOUNT_LIMITS, MAX_VALUE, parseEntryValues } from '../metadata.ts';
import { metadataTarget } from '../metadata-target.ts';
import { command, no, ok } from '../command.ts';

/**
 * RFC 5464 4.3: `SETMETADATA SP mailbox SP "(" entry SP value ... ")"`, all or
 * nothing in one synced batch. Limits: MAX_VALUE per value ([METADATA MAXSIZE]),
 * ACCOUNT_LIMITS over the account's entries ([METADATA TOOMANY], [OVERQUOTA]).
 */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const name = parseMailboxName(p);
    p.sp();
    const changes = parseEntryValues(p);
    p.end();
    return { name, changes };
  },
  async run(session, { name, changes }) {
    const target = await metadataTarget(session, name);
    if (typeof target !== 'number' && target !== null) return target;
    const log = { ip: session.ip, user: session.account!.address, mailbox: name };
    const largest = Math.max(...changes.map((c) => c.value?.length ?? 0));
    if (largest > MAX_VALUE) {
      session.log.warn({ ...log, reason: 'metadata-maxsize', size: largest }, 'SETMETADATA refused');
      return no(`Values are limited to ${MAX_VALUE} octets`, `METADATA MAXSIZE ${MAX_VALUE}`);
    }
    const outcome = await session.deps.store.setMetadata(session.account!.id, target, changes, ACCOUNT_LIMITS);
    if (outcome.ok) return ok('SETMETADATA completed');
    session.log.warn({ ...log, reason: `metadata-${outcome.reason}` }, 'SETMETADATA refused');
    return outcome.reason === 'too-many'
      ? no(`At most ${ACCOUNT_LIMITS.maxEntries} entries per account`, 'METADATA TOOMANY')
      : no(`Entries are limited to ${ACCOUNT_LIMITS.maxBytes} octets per account`, 'OVERQUOTA');
  },
});
