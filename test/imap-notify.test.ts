import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_EVENT_GROUPS, MAX_NOTIFY_NAMES, parseNotify, unsupportedEvents } from '../src/imap/notify-spec.ts';
import { ParseError, Parser } from '../src/imap/parser.ts';
import { deliver, RawImap } from './helpers/imap.ts';
import { ALICE, aliceSession, assertAllBad } from './helpers/imap-inbox.ts';
import { message } from './helpers/store.ts';

test('NOTIFY parser: groups, pairing rules, bounds', () => {
  const p = (s: string) => parseNotify(new Parser(Buffer.from(s)));
  assert.deepEqual(p(' NONE'), { type: 'none' });
  const set = p(' SET STATUS (selected (MessageNew MessageExpunge FlagChange)) (subtree Work (MailboxName SubscriptionChange)) (inboxes NONE)');
  assert.equal(set.type === 'set' && set.status, true);
  assert.deepEqual(set.type === 'set' && unsupportedEvents(set), ['SubscriptionChange']);
  for (const bad of [
    ' SET',
    ' SET (personal (MessageNew))',
    ' SET (personal (FlagChange))',
    ' SET (personal (MessageNew MessageExpunge MessageNew))',
    ' SET (personal (Bogus))',
    ' SET (personal (MessageNew (UID FLAGS) MessageExpunge))',
    ' SET (personal ())',
    ' SET (personal (MailboxName)) (personal (MailboxName))',
    ' SET (everything (MailboxName))',
    ` SET ${'(personal (MailboxName)) '.repeat(MAX_EVENT_GROUPS)}(inboxes (MailboxName))`,
    ' NONE extra',
    ` SET (mailboxes (${Array.from({ length: MAX_NOTIFY_NAMES + 1 }, (_, i) => `m${i}`).join(' ')}) (MailboxName))`,
    ` SET (mailboxes (${'a '.repeat(MAX_NOTIFY_NAMES / 2)}b) (MailboxName)) (subtree (${'c '.repeat(MAX_NOTIFY_NAMES / 2)}d) (MailboxName))`,
  ]) {
    assert.throws(() => p(bad), ParseError, bad);
  }
});

test('NOTIFY: STATUS for other mailboxes, EXISTS/FETCH/EXPUNGE for the selected one, LIST for names, all unsolicited', async (t) => {
  const env = await aliceSession(t, 1);
  const { c, store } = env;
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, / NOTIFY/);
  const other = await RawImap.connect(env.port);
  t.after(() => other.close());
  await other.login(ALICE);
  await c.command('s', 'SELECT INBOX');
  const lines = await c.command('n', 'NOTIFY SET STATUS (selected (MessageNew MessageExpunge FlagChange)) (mailboxes (Drafts Work) (MessageNew MessageExpunge MailboxName))');
  assert.deepEqual(lines, ['* STATUS "Drafts" (MESSAGES 0 UIDNEXT 1 UNSEEN 0)', 'n OK NOTIFY completed']);
  // New mail in the selected mailbox, with no command from the client. This session is the first
  // to see it, so it is \Recent here (as message 1 is, since SELECT), and the count follows EXISTS.
  await deliver(store, ALICE, message('second'));
  assert.equal(await c.line(), '* 2 EXISTS');
  assert.equal(await c.line(), '* 2 RECENT');
  await other.command('os', 'SELECT INBOX');
  await other.command('st', 'STORE 1 +FLAGS (\\Seen)');
  assert.equal(await c.line(), '* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen))');
  await other.command('dl', 'STORE 1 +FLAGS (\\Deleted)');
  assert.equal(await c.line(), '* 1 FETCH (UID 1 FLAGS (\\Recent \\Seen \\Deleted))');
  await other.command('ex', 'EXPUNGE');
  assert.equal(await c.line(), '* 1 EXPUNGE');
  assert.equal(await c.line(), '* 1 RECENT');
  // Another mailbox the groups name.
  await other.command('ap', `APPEND Drafts {${message('d').length}+}\r\n${message('d')}`);
  assert.equal(await c.line(), '* STATUS "Drafts" (MESSAGES 1 UIDNEXT 2 UNSEEN 1)');
  // Names: created, renamed, deleted.
  await other.command('cr', 'CREATE Work');
  assert.equal(await c.line(), '* LIST (\\HasNoChildren) "/" "Work"');
  await other.command('rn', 'RENAME Drafts Work/Drafts');
  assert.equal(await c.line(), '* LIST (\\HasNoChildren \\Drafts) "/" "Work/Drafts" ("OLDNAME" ("Drafts"))');
  await other.command('cr2', 'CREATE Drafts');
  assert.equal(await c.line(), '* LIST (\\HasNoChildren) "/" "Drafts"');
  await other.command('dl2', 'DELETE Drafts');
  assert.equal(await c.line(), '* LIST (\\NonExistent) "/" "Drafts"');
  // NOTIFY NONE: back to updates at commands only, and nothing about other mailboxes.
  assert.deepEqual(await c.command('off', 'NOTIFY NONE'), ['off OK NOTIFY completed']);
  await other.command('cr3', 'CREATE Drafts');
  await deliver(store, ALICE, message('third'));
  assert.deepEqual(await c.command('nop', 'NOOP'), ['* 2 EXISTS', '* 2 RECENT', 'nop OK NOOP completed']);
});

test('NOTIFY: updates that arrive during a command wait for its end; selected-delayed keeps expunges for a command', async (t) => {
  const env = await aliceSession(t, 2);
  const { c } = env;
  const other = await RawImap.connect(env.port);
  t.after(() => other.close());
  await other.login(ALICE);
  await other.command('s', 'SELECT INBOX');
  await c.command('s', 'SELECT INBOX');
  await c.command('n', 'NOTIFY SET (selected-delayed (MessageNew MessageExpunge FlagChange))');
  await other.command('d', 'STORE 1 +FLAGS (\\Deleted)');
  assert.equal(await c.line(), '* 1 FETCH (UID 1 FLAGS (\\Deleted))');
  await other.command('e', 'EXPUNGE');
  await deliver(env.store, ALICE, message('third'));
  // The expunge waits (selected-delayed); the new message does not. The other session claimed
  // messages 1 and 2 at its SELECT; the new one is \Recent here, the first session to see it.
  assert.equal(await c.line(), '* 3 EXISTS');
  assert.equal(await c.line(), '* 1 RECENT');
  // FETCH may not send it either (RFC 3501 7.4.1): message 1 is still there for the client.
  assert.deepEqual(await c.command('f', 'FETCH 1:* (UID)'), ['* 2 FETCH (UID 2)', '* 3 FETCH (UID 3)', 'f OK [EXPUNGEISSUED] Some messages were already expunged']);
  assert.deepEqual(await c.command('nop', 'NOOP'), ['* 1 EXPUNGE', 'nop OK NOOP completed']);
});

test('NOTIFY during IDLE: other mailboxes are reported while the client idles', async (t) => {
  const env = await aliceSession(t, 1);
  const { c } = env;
  await c.command('s', 'SELECT INBOX');
  await c.command('n', 'NOTIFY SET (selected (MessageNew MessageExpunge)) (mailboxes Drafts (MessageNew MessageExpunge))');
  c.send('i IDLE\r\n');
  assert.match((await c.line())!, /^\+ /);
  const other = await RawImap.connect(env.port);
  t.after(() => other.close());
  await other.login(ALICE);
  await other.command('a', `APPEND Drafts {${message('d').length}+}\r\n${message('d')}`);
  assert.equal(await c.line(), '* STATUS "Drafts" (MESSAGES 1 UIDNEXT 2 UNSEEN 1)');
  await deliver(env.store, ALICE, message('second'));
  assert.equal(await c.line(), '* 2 EXISTS');
  assert.equal(await c.line(), '* 2 RECENT');
  c.send('DONE\r\n');
  assert.deepEqual(await c.until('i'), ['i OK IDLE terminated']);
});

test('NOTIFY hostile: unsupported events, bad groups, deep lists; the listener goes with the session', async (t) => {
  const env = await aliceSession(t, 0);
  const { c } = env;
  const listeners = env.store.core.listenerCount;
  assert.match((await c.command('b', 'NOTIFY SET (personal (MessageNew MessageExpunge SubscriptionChange))')).at(-1)!, /^b NO \[BADEVENT \(MessageNew MessageExpunge FlagChange MailboxName\)\]/);
  await assertAllBad(c, [
    'NOTIFY',
    'NOTIFY SET',
    'NOTIFY SET (personal (MessageNew))',
    'NOTIFY SET (personal (MessageNew (UID) MessageExpunge))',
    `NOTIFY SET ${'('.repeat(40)}personal (MailboxName)${')'.repeat(40)}`,
    `NOTIFY SET (mailboxes ${'('.repeat(40)}INBOX${')'.repeat(40)} (MailboxName))`,
    `NOTIFY SET ${Array.from({ length: MAX_EVENT_GROUPS + 1 }, (_, i) => `(mailboxes m${i} (MailboxName))`).join(' ')}`,
    'NOTIFY SET (nowhere (MailboxName))',
  ]);
  assert.equal((await c.command('ok', 'NOTIFY SET (personal (MessageNew MessageExpunge))')).at(-1), 'ok OK NOTIFY completed');
  assert.equal(env.store.core.listenerCount, listeners + 1);
  // A new NOTIFY replaces the old: one listener still.
  await c.command('ok2', 'NOTIFY SET (inboxes (MessageNew MessageExpunge))');
  assert.equal(env.store.core.listenerCount, listeners + 1);
  await c.command('lo', 'LOGOUT');
  await c.closedByServer();
  while (env.store.core.listenerCount !== listeners) await new Promise(setImmediate);
  assert.equal(env.store.core.listenerCount, listeners);
  const anon = await RawImap.connect(env.port);
  t.after(() => anon.close());
  assert.match((await anon.command('x', 'NOTIFY NONE')).at(-1)!, /^x BAD /);
});
