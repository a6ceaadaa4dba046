import { mailbox as encodeName, str } from '../encoder.ts';
import { parseMailboxArgument } from '../mailbox-name.ts';
import { QUOTA_ROOT } from '../quota.ts';
import { command, no, ok } from '../command.ts';
import { currentQuota } from './getquota.ts';

/** RFC 9208 4.3: every mailbox is under the account's root, when the account has a limit. */
export default command({
  states: ['authenticated', 'selected'],
  parse: parseMailboxArgument,
  async run(session, name) {
    const mailbox = await session.deps.store.getMailbox(session.account!.id, name);
    if (!mailbox) return no(`No mailbox named ${name}`, 'NONEXISTENT');
    const resources = await currentQuota(session);
    await session.untagged(`QUOTAROOT ${encodeName(mailbox.name, session.utf8)}${resources.length > 0 ? ` ${str(QUOTA_ROOT)}` : ''}`);
    if (resources.length > 0) await session.untagged(`QUOTA ${str(QUOTA_ROOT)} (${resources.join(' ')})`);
    return ok('GETQUOTAROOT completed');
  },
});
