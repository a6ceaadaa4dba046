import type { TestContext } from 'node:test';
import { writeMessages } from '../../src/delivery/deliver.ts';
import { ALICE } from './imap-inbox.ts';
import { addAccount, RawImap, startImapServer } from './imap.ts';
import { message } from './store.ts';

/**
 * A server whose MESSAGELIMIT is `limit`, alice@example.org with `count` messages
 * s1..sN in INBOX (UIDs 1..count, written through the one write path in batches of
 * 500, as MULTIAPPEND writes them), and a raw session with INBOX selected.
 */
export async function seededInbox(t: TestContext, count: number, limit = 1000) {
  const env = await startImapServer(t, (config) => {
    config.imap.message_limit = limit;
  });
  const account = await addAccount(env.store, ALICE);
  const inbox = (await env.store.getMailbox(account.id, 'INBOX'))!;
  for (let from = 1; from <= count; from += 500) {
    const batch = Array.from({ length: Math.min(500, count - from + 1) }, (_, i) => ({
      raw: message(`s${from + i}`),
      targets: [{ accountId: account.id, mailboxId: inbox.id, prefix: '', flags: [] }],
    }));
    await writeMessages(env.store, batch, { enforceQuota: false, atomic: true });
  }
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  await c.command('s', 'SELECT INBOX');
  return { env, account, inbox, c };
}
