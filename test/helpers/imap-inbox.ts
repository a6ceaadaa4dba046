import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { addAccount, deliver, RawImap, startImapServer } from './imap.ts';
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

/** Each command is answered BAD, and the session still serves a NOOP afterwards. */
export async function assertAllBad(c: RawImap, commands: string[]): Promise<void> {
  for (const cmd of commands) assert.match((await c.command('x', cmd)).at(-1)!, /^x BAD /, cmd);
  assert.equal((await c.command('n', 'NOOP')).at(-1), 'n OK NOOP completed');
}

/** serverWithInbox with a raw client logged in as alice, closed when the test ends. */
export async function aliceSession(t: TestContext, count = 0) {
  const env = await serverWithInbox(t, count);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  return { ...env, c };
}
