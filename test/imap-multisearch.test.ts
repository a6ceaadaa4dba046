import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Parser } from '../src/imap/parser.ts';
import { MAX_SOURCE_NAMES, parseSources, sourceMailboxes } from '../src/imap/search-source.ts';
import type { Mailbox } from '../src/store/types.ts';
import { addAccount, deliver, RawImap, startImapServer } from './helpers/imap.ts';
import { ALICE, assertAllBad } from './helpers/imap-inbox.ts';
import { message } from './helpers/store.ts';

const BOB = 'bob@example.org';

/** alice: INBOX with m1..m3 ("match" in m2), Work and Work/Old and Work/Old/Deep with one "match" each; bob: one "match" too. */
async function setup(t: TestContext, searchCost?: number) {
  const env = await startImapServer(t, (config) => {
    if (searchCost) config.imap.search_cost = searchCost;
  });
  for (const user of [ALICE, BOB]) await addAccount(env.store, user);
  await deliver(env.store, ALICE, message('m1'));
  await deliver(env.store, ALICE, message('m2 match'));
  await deliver(env.store, ALICE, message('m3'));
  await deliver(env.store, BOB, message('bob match'));
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  for (const name of ['Work', 'Work/Old', 'Work/Old/Deep']) {
    await c.command('c', `CREATE ${name}`);
    await c.command('a', `APPEND ${name} {${message(`${name} match`).length}+}\r\n${message(`${name} match`)}`);
  }
  const account = (await env.store.getAccount(ALICE))!;
  const v = async (name: string) => (await env.store.getMailbox(account.id, name))!.uidValidity;
  return { ...env, c, v };
}

test('MULTISEARCH parsers: filters and the mailboxes they name', () => {
  const p = (s: string) => new Parser(Buffer.from(s));
  assert.deepEqual(parseSources(p('(selected-delayed personal subtree (Work "A b") mailboxes INBOX)')), [
    { type: 'selected', delayed: true },
    { type: 'personal' },
    { type: 'subtree', names: ['Work', 'A b'] },
    { type: 'mailboxes', names: ['INBOX'] },
  ]);
  for (const bad of ['()', '(nonsense)', '(subtree)', '(mailboxes ())', '((personal))', `(mailboxes (${'a '.repeat(MAX_SOURCE_NAMES)}b))`, `(mailboxes (${'a '.repeat(MAX_SOURCE_NAMES / 2)}b) subtree (${'c '.repeat(MAX_SOURCE_NAMES / 2)}d))`]) {
    assert.throws(() => parseSources(p(bad)), bad);
  }
  const box = (id: number, name: string, subscribed = false) => ({ id, name, subscribed }) as Mailbox;
  const all = [box(1, 'INBOX', true), box(2, 'Work'), box(3, 'Work/Old'), box(4, 'Work/Old/Deep'), box(5, 'Workshop', true)];
  const names = (s: string, selected: number | null = null) => sourceMailboxes(parseSources(p(s)), all, selected).map((m) => m.name);
  assert.deepEqual(names('(subtree Work)'), ['Work', 'Work/Old', 'Work/Old/Deep']);
  assert.deepEqual(names('(subtree-one Work)'), ['Work', 'Work/Old']);
  assert.deepEqual(names('(subscribed inboxes)'), ['INBOX', 'Workshop']);
  assert.deepEqual(names('(selected mailboxes (Nowhere Work/Old))', 2), ['Work', 'Work/Old']);
  assert.deepEqual(names('(selected)'), []);
});

test('MULTISEARCH: ESEARCH IN over several mailboxes, by UID, with MAILBOX and UIDVALIDITY', async (t) => {
  const { c, v } = await setup(t);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, / MULTISEARCH/);
  assert.deepEqual(await c.command('s1', 'ESEARCH IN (personal) SUBJECT match'), [
    `* ESEARCH (TAG "s1" MAILBOX "INBOX" UIDVALIDITY ${await v('INBOX')}) UID ALL 2`,
    `* ESEARCH (TAG "s1" MAILBOX "Work" UIDVALIDITY ${await v('Work')}) UID ALL 1`,
    `* ESEARCH (TAG "s1" MAILBOX "Work/Old" UIDVALIDITY ${await v('Work/Old')}) UID ALL 1`,
    `* ESEARCH (TAG "s1" MAILBOX "Work/Old/Deep" UIDVALIDITY ${await v('Work/Old/Deep')}) UID ALL 1`,
    's1 OK ESEARCH completed',
  ]);
  assert.deepEqual(await c.command('s2', 'ESEARCH IN (subtree-one "Work" mailboxes (Nowhere "bob@example.org/INBOX")) RETURN (COUNT MIN) ALL'), [
    `* ESEARCH (TAG "s2" MAILBOX "Work" UIDVALIDITY ${await v('Work')}) UID MIN 1 COUNT 1`,
    `* ESEARCH (TAG "s2" MAILBOX "Work/Old" UIDVALIDITY ${await v('Work/Old')}) UID MIN 1 COUNT 1`,
    's2 OK ESEARCH completed',
  ]);
  // Without IN: the selected mailbox, still by UID; SAVE is allowed there, and `$` then works.
  await c.command('sel', 'SELECT INBOX');
  assert.deepEqual(await c.command('s3', 'ESEARCH RETURN (SAVE ALL) NOT SUBJECT match'), [
    `* ESEARCH (TAG "s3" MAILBOX "INBOX" UIDVALIDITY ${await v('INBOX')}) UID ALL 1,3`,
    's3 OK ESEARCH completed',
  ]);
  assert.deepEqual(await c.command('s4', 'UID SEARCH $'), ['* SEARCH 1 3', 's4 OK SEARCH completed']);
  // No match anywhere: no ESEARCH response at all.
  assert.deepEqual(await c.command('s5', 'ESEARCH IN (personal) SUBJECT nothing-like-this'), ['s5 OK ESEARCH completed']);
});

test('MULTISEARCH hostile: bad filters, SAVE over several mailboxes, one cost budget for all mailboxes', async (t) => {
  const { c } = await setup(t, 1000);
  assert.match((await c.command('n', 'ESEARCH ALL')).at(-1)!, /^n BAD /);
  await assertAllBad(c, [
    'ESEARCH IN () ALL',
    'ESEARCH IN (everything) ALL',
    'ESEARCH IN (personal) RETURN (SAVE) ALL',
    `ESEARCH IN ${'('.repeat(40)}personal${')'.repeat(40)} ALL`,
    `ESEARCH IN (mailboxes (${Array.from({ length: MAX_SOURCE_NAMES + 1 }, (_, i) => `m${i}`).join(' ')})) ALL`,
    'ESEARCH IN (personal)',
    'ESEARCH IN (personal) FOO',
  ]);
  assert.match((await c.command('cs', 'ESEARCH IN (personal) CHARSET KOI8-R ALL')).at(-1)!, /^cs NO \[BADCHARSET/);
  // Each mailbox alone stays under the budget; all of them together do not.
  const key = Array.from({ length: 60 }, () => 'NOT SUBJECT zzz').join(' ');
  assert.match((await c.command('one', `ESEARCH IN (mailboxes INBOX) ${key}`)).at(-1)!, /^one OK/);
  for (let i = 0; i < 20; i++) await c.command('c', `CREATE Box${i}`);
  for (let i = 0; i < 20; i++) await c.command('a', `APPEND Box${i} {${message('x').length}+}\r\n${message('x')}`);
  assert.match((await c.command('all', `ESEARCH IN (personal) ${key}`)).at(-1)!, /^all NO \[LIMIT\]/);
});
