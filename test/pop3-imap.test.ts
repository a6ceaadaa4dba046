import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { imapflow } from './helpers/imap.ts';
import { RawClient, addAccount, deliver, startPop3Server } from './helpers/pop3.ts';
import { message } from './helpers/store.ts';

const ALICE = 'alice@example.org';

/** One server with POP3 and IMAP on the same store, as `mailfold serve` runs them. */
const startBoth = (t: Parameters<typeof startPop3Server>[0]) =>
  startPop3Server(t, (c) => (c.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 }));

test('POP3 deletes reach an IMAP session in IDLE as expunges; IMAP expunges are -ERR in POP3', async (t) => {
  const { server, store, port } = await startBoth(t);
  await addAccount(store, ALICE);
  for (let i = 1; i <= 4; i++) await deliver(store, ALICE, message(`m${i}`));

  const imap = await imapflow(t, server.listeners.imap!.port, ALICE);
  await imap.mailboxOpen('INBOX');
  const uidsBefore = (await imap.search({ all: true }, { uid: true })) as number[];
  assert.equal(uidsBefore.length, 4);

  const pop = await RawClient.connect(port);
  await pop.line();
  assert.match(await pop.login(ALICE), /^\+OK/);
  assert.match(await pop.command('DELE 2'), /^\+OK/);
  assert.match(await pop.command('DELE 3'), /^\+OK/);

  // imapflow idles by itself once the mailbox is open; the expunges arrive there unasked.
  const expunged: number[] = [];
  const bothGone = new Promise<void>((resolve) =>
    imap.on('expunge', (e: { seq: number }) => {
      expunged.push(e.seq);
      if (expunged.length === 2) resolve();
    }),
  );
  const idling = imap.idle();
  assert.match(await pop.command('QUIT'), /^\+OK/);
  await bothGone;
  // Highest first (3, 2) or lowest first with the shift (2, 2): both name messages 2 and 3.
  assert.ok(JSON.stringify(expunged) === '[3,2]' || JSON.stringify(expunged) === '[2,2]', `expunged ${expunged}`);
  await imap.noop();
  await idling;
  assert.equal(imap.mailbox && imap.mailbox.exists, 2);
  assert.deepEqual(await imap.search({ all: true }, { uid: true }), [uidsBefore[0], uidsBefore[3]]);

  // The other way: IMAP expunges behind an open POP3 session's back.
  const second = await RawClient.connect(port);
  await second.line();
  await second.login(ALICE);
  assert.match(await second.command('STAT'), /^\+OK 2 /);
  await imap.messageDelete(String(uidsBefore[3]), { uid: true });
  assert.match(await second.command('RETR 2'), /^-ERR /, 'the message IMAP expunged is gone');
  assert.match(await second.command('RETR 1'), /^\+OK/);
  await second.message();
  assert.match(await second.command('QUIT'), /^\+OK/);
  second.socket.destroy();
  await once(second.socket, 'close');

  // RETR marked the first message \Seen when the session ended: IMAP sees it.
  const only = await imap.fetchOne('1', { uid: true, flags: true });
  assert.ok(only);
  assert.equal(only.uid, uidsBefore[0]);
  assert.ok(only.flags?.has('\\Seen'));
  assert.deepEqual(await store.check({ repair: false }), []);
});
