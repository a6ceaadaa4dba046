import assert from 'node:assert/strict';
import { setImmediate } from 'node:timers/promises';
import { test } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { LevelStore } from '../src/store/level/store.ts';
import { addAccount, deliver, PASSWORD, startImapServer } from './helpers/imap.ts';

/** Yields to I/O until `check` holds (the server cleans up when it sees the socket close), or the test times out. */
async function until(check: () => boolean, signal: AbortSignal): Promise<void> {
  while (!check()) await setImmediate(undefined, { signal });
}

const SESSIONS = 4;
const ROUNDS = 3;

test('sessions that end, by LOGOUT, in IDLE or by a dropped socket, leave no store listener and free their account slot', { timeout: 120_000 }, async (t) => {
  // Each round fills the account's session limit, so a session that kept its slot fails the next round's logins.
  const { store, port } = await startImapServer(t, (c) => (c.limits.imap_connections_per_account = SESSIONS));
  await addAccount(store, 'alice@example.org');
  await deliver(store, 'alice@example.org', 'Subject: hello\r\n\r\nbody\r\n');
  for (let round = 0; round < ROUNDS; round++) {
    const clients = await Promise.all(
      Array.from({ length: SESSIONS }, async () => {
        const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: 'alice@example.org', pass: PASSWORD }, logger: false });
        client.on('error', () => {});
        await client.connect();
        await client.mailboxOpen('INBOX');
        return client;
      }),
    );
    assert.equal((store as LevelStore).core.listenerCount, SESSIONS, 'one listener per selected mailbox');
    // A change while they are selected reaches them (and any idler) through the listeners.
    await deliver(store, 'alice@example.org', `Subject: round ${round}\r\n\r\nbody\r\n`);
    await Promise.all(
      clients.map(async (client, i) => {
        if (i % 3 === 0) await client.logout();
        else if (i % 3 === 1) {
          // Dropped while idling, as a phone losing its network.
          void client.idle().catch(() => {});
          await until(() => client.idling, t.signal);
          client.close();
        } else client.close();
      }),
    );
    await until(() => (store as LevelStore).core.listenerCount === 0, t.signal);
  }
  assert.equal((store as LevelStore).core.listenerCount, 0);
});
