import { str } from '../encoder.ts';
import { QUOTA_ROOT, quotaResources } from '../quota.ts';
import { command, no, ok } from '../command.ts';
import type { ImapSession } from '../session.ts';

/** The account's limits as they are now (an admin may have changed them since login) and its usage. */
export async function currentQuota(session: ImapSession): Promise<string[]> {
  const store = session.deps.store;
  const account = (await store.getAccountById(session.account!.id)) ?? session.account!;
  return quotaResources(account, await store.accountUsage(account.id));
}

/** RFC 9208 4.2. The root "" exists when the account has a storage or message limit. */
export default command({
  states: ['authenticated', 'selected'],
  parse(p) {
    p.sp();
    const root = p.astring();
    p.end();
    return root;
  },
  async run(session, root) {
    const resources = root === QUOTA_ROOT ? await currentQuota(session) : [];
    if (resources.length === 0) return no('No such quota root', 'NONEXISTENT');
    await session.untagged(`QUOTA ${str(QUOTA_ROOT)} (${resources.join(' ')})`);
    return ok('GETQUOTA completed');
  },
});
