import type { TestContext } from 'node:test';
import { addAccount, deliver, startImapServer } from './imap.ts';
import { message } from './store.ts';

export const ALICE = 'alice@example.org';

/** A server with alice@example.org, `count` messages m1..mN delivered to her INBOX, and that mailbox's record. */
export async function serverWithInbox(t: TestContext, count: number) {
  const env = await startImapServer(t);
  await addAccount(env.store, ALICE);
  for (let i = 1; i <= count; i++) await deliver(env.store, ALICE, message(`m${i}`));
  const inbox = (await env.store.getMailbox((await env.store.getAccount(ALICE))!.id, 'INBOX'))!;
  return { ...env, inbox };
}
