import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './helpers/env.ts';
import { imapflow, PASSWORD, RawImap } from './helpers/imap.ts';
import { ALICE, assertAllBad, serverWithInbox } from './helpers/imap-inbox.ts';
import { requireTool } from './helpers/smtp.ts';

const run = promisify(execFile);

/** alice with the default mailboxes (subscribed), Work (not subscribed) with Work/Alpha (subscribed) and Work/Beta. */
async function setup(t: TestContext) {
  const env = await serverWithInbox(t, 2);
  const account = (await env.store.getAccount(ALICE))!;
  await env.store.createMailbox(account.id, 'Work');
  await env.store.createMailbox(account.id, 'Work/Alpha', { subscribed: true });
  await env.store.createMailbox(account.id, 'Work/Beta');
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  return { ...env, c };
}

const body = (lines: string[]) => lines.slice(0, -1);

test('LIST-EXTENDED raw: selection and return options, several patterns, CHILDINFO, STATUS', async (t) => {
  const { c } = await setup(t);
  assert.deepEqual(body(await c.command('a', 'LIST (SUBSCRIBED) "" "Work*"')), ['* LIST (\\HasNoChildren \\Subscribed) "/" "Work/Alpha"']);
  assert.deepEqual(body(await c.command('b', 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')).filter((l) => l.includes('Work')), [
    '* LIST (\\HasChildren) "/" "Work" ("CHILDINFO" ("SUBSCRIBED"))',
  ]);
  assert.deepEqual(body(await c.command('c', 'LIST (SPECIAL-USE) "" "*"')), [
    '* LIST (\\HasNoChildren \\Archive) "/" "Archive"',
    '* LIST (\\HasNoChildren \\Drafts) "/" "Drafts"',
    '* LIST (\\HasNoChildren \\Junk) "/" "Junk"',
    '* LIST (\\HasNoChildren \\Sent) "/" "Sent"',
    '* LIST (\\HasNoChildren \\Trash) "/" "Trash"',
  ]);
  assert.deepEqual(body(await c.command('d', 'LIST () "" (INBOX "Work/%") RETURN (SUBSCRIBED CHILDREN SPECIAL-USE)')), [
    '* LIST (\\HasNoChildren \\Subscribed) "/" "INBOX"',
    '* LIST (\\HasNoChildren \\Subscribed) "/" "Work/Alpha"',
    '* LIST (\\HasNoChildren) "/" "Work/Beta"',
  ]);
  assert.deepEqual(body(await c.command('e', 'LIST (REMOTE) "" INBOX RETURN (STATUS (MESSAGES UNSEEN UIDNEXT SIZE))')).slice(0, 1), ['* LIST (\\HasNoChildren) "/" "INBOX"']);
  const status = body(await c.command('f', 'LIST "" "*" RETURN (STATUS (MESSAGES UIDNEXT))'));
  assert.ok(status.includes('* STATUS "INBOX" (MESSAGES 2 UIDNEXT 3)'), status.join('\n'));
  assert.equal(status.indexOf('* STATUS "INBOX" (MESSAGES 2 UIDNEXT 3)'), status.indexOf('* LIST (\\HasNoChildren) "/" "INBOX"') + 1);
  // A \Noselect name gets no STATUS.
  await c.command('g', 'DELETE Work');
  const noselect = body(await c.command('h', 'LIST "" "Work" RETURN (STATUS (MESSAGES))'));
  assert.deepEqual(noselect, ['* LIST (\\Noselect \\HasChildren) "/" "Work"']);
  // The base forms are unchanged.
  assert.deepEqual(await c.command('i', 'LIST "" ""'), ['* LIST (\\Noselect) "/" ""', 'i OK LIST completed']);
});

test('CREATE-SPECIAL-USE raw: USE sets the special use; unknown or several uses are NO [USEATTR]', async (t) => {
  const { c } = await setup(t);
  assert.match((await c.command('a', 'CREATE "Sent Items" (USE (\\Sent))')).at(-1)!, /^a OK \[MAILBOXID \(\w+\)\] CREATE completed$/);
  assert.deepEqual(body(await c.command('b', 'LIST "" "Sent Items"')), ['* LIST (\\HasNoChildren \\Sent) "/" "Sent Items"']);
  assert.match((await c.command('c', 'CREATE Virtual (USE (\\All))')).at(-1)!, /^c NO \[USEATTR\]/);
  assert.match((await c.command('d', 'CREATE Two (USE (\\Sent \\Trash))')).at(-1)!, /^d NO \[USEATTR\]/);
  assert.match((await c.command('e', 'CREATE Odd (USE (\\Whatever))')).at(-1)!, /^e NO \[USEATTR\]/);
  assert.deepEqual(body(await c.command('f', 'LIST "" "%"')).filter((l) => /Virtual|Two|Odd/.test(l)), []);
  assert.match((await c.command('g', 'CREATE Plain (USE ())')).at(-1)!, /^g OK \[MAILBOXID \(\w+\)\] CREATE completed$/);
});

test('LIST-EXTENDED raw: malformed options are BAD and the session goes on', async (t) => {
  const { c } = await setup(t);
  await assertAllBad(c, [
    'LIST (RECURSIVEMATCH) "" "*"',
    'LIST (REMOTE RECURSIVEMATCH) "" "*"',
    'LIST (FOO) "" "*"',
    'LIST (SUBSCRIBED "" "*"',
    'LIST "" "*" RETURN',
    'LIST "" "*" RETURN (FOO)',
    'LIST "" "*" RETURN (STATUS)',
    'LIST "" "*" RETURN (STATUS ())',
    'LIST "" "*" RETURN (STATUS (BOGUS))',
    'LIST "" "*" RETURN (STATUS (MESSAGES) STATUS (UNSEEN))',
    'LIST "" ()',
    'LIST "" (INBOX',
    'LIST "" "*" EXTRA (X)',
    'CREATE X (USE)',
    'CREATE X (USE (\\Sent)',
    'CREATE X (FOO (\\Sent))',
    'CREATE X USE (\\Sent)',
  ]);
});

test('LIST-STATUS and RETURN SUBSCRIBED with imapflow', async (t) => {
  const env = await setup(t);
  const client = await imapflow(t, env.port, ALICE);
  assert.ok(client.capabilities.has('LIST-EXTENDED') && client.capabilities.has('LIST-STATUS') && client.capabilities.has('CREATE-SPECIAL-USE'));
  const list = await client.list({ statusQuery: { messages: true, unseen: true, uidNext: true } });
  const inbox = list.find((m) => m.path === 'INBOX');
  assert.deepEqual([inbox?.status?.messages, inbox?.status?.unseen, inbox?.status?.uidNext], [2, 2, 3]);
  assert.equal(list.find((m) => m.path === 'Work/Alpha')?.subscribed, true);
  assert.equal(list.find((m) => m.path === 'Work/Beta')?.subscribed ?? false, false);
  assert.equal(list.find((m) => m.path === 'Trash')?.specialUse, '\\Trash');
  const tree = await client.listTree();
  assert.deepEqual(tree.folders?.find((f) => f.path === 'Work')?.folders?.map((f) => f.path), ['Work/Alpha', 'Work/Beta']);
});

test('LIST-EXTENDED, LIST-STATUS and CREATE-SPECIAL-USE with imaplib', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const env = await setup(t);
  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/imap_list_extended.py'), String(env.port), ALICE, PASSWORD], { timeout: 60_000 });
  assert.deepEqual(JSON.parse(stdout), {
    create_use: 'OK',
    create_bad_use: ['NO', '[USEATTR]'],
    special_use: [
      '(\\HasNoChildren \\Archive) "/" "Archive"',
      '(\\HasNoChildren \\Drafts) "/" "Drafts"',
      '(\\HasNoChildren \\Junk) "/" "Junk"',
      '(\\HasNoChildren \\Sent) "/" "Outbox"',
      '(\\HasNoChildren \\Sent) "/" "Sent"',
      '(\\HasNoChildren \\Trash) "/" "Trash"',
    ],
    recursive: ['(\\HasChildren \\Sent) "/" "Outbox" ("CHILDINFO" ("SUBSCRIBED"))'],
    list_status: ['(\\HasChildren \\Sent) "/" "Outbox"', '(\\HasNoChildren \\Subscribed) "/" "INBOX"'],
    status: ['"INBOX" (MESSAGES 2 UIDNEXT 3)', '"Outbox" (MESSAGES 0 UIDNEXT 1)'],
    logout: 'BYE',
  });
});
