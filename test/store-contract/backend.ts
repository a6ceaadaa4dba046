import type { TestContext } from 'node:test';
import { writeMessage } from '../../src/delivery/deliver.ts';
import type { Account, Mailbox, Store } from '../../src/store/types.ts';
import { addAccount, message } from '../helpers/store.ts';

/** A store backend under test: the contract suite runs every test against each one. */
export interface StoreBackend {
  name: string;
  /**
   * A new, empty store, closed when the test ends. `reopen` closes it and opens the
   * same data again, as a restart would.
   */
  open(t: TestContext, opts?: { chunkSize?: number }): Promise<{ store: Store; reopen(): Promise<Store> }>;
}

/** An account with its INBOX. */
export async function withInbox(store: Store, address = 'alice@example.org', quota: { bytes?: number; messages?: number } = {}): Promise<{ account: Account; inbox: Mailbox }> {
  const account = await addAccount(store, address, quota);
  return { account, inbox: (await store.getMailbox(account.id, 'INBOX'))! };
}

/** One message through the write path into a mailbox; its UID. */
export async function put(store: Store, mailbox: Mailbox, subject: string, flags: string[] = [], body?: string): Promise<number> {
  const [outcome] = await writeMessage(store, message(subject, body), [{ accountId: mailbox.accountId, mailboxId: mailbox.id, prefix: '', flags }], { enforceQuota: true });
  if (!outcome?.ok) throw new Error(`append refused: ${outcome && !outcome.ok ? outcome.detail : 'no outcome'}`);
  return outcome.uid;
}

/** The mailbox record as it is now. */
export const reread = async (store: Store, mailbox: Mailbox): Promise<Mailbox> => (await store.getMailboxById(mailbox.id))!;
