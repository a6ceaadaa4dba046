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

/** alice with a mailbox "Café" (modified UTF-7 "Caf&AOk-"). */
async function setup(t: TestContext) {
  const env = await serverWithInbox(t, 1);
  const account = (await env.store.getAccount(ALICE))!;
  await env.store.createMailbox(account.id, 'Café');
  return { ...env, account };
}

const utf8 = (s: string) => Buffer.from(s).toString('latin1');

test('UTF8=ACCEPT raw: names in modified UTF-7 before ENABLE, in UTF-8 after; APPEND UTF8 (~{n})', async (t) => {
  const env = await setup(t);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, / UTF8=ACCEPT/);
  assert.deepEqual(await c.command('a', 'LIST "" "Caf*"'), ['* LIST (\\HasNoChildren) "/" "Caf&AOk-"', 'a OK LIST completed']);
  assert.deepEqual(await c.command('e', 'ENABLE UTF8=ACCEPT'), ['* ENABLED UTF8=ACCEPT', 'e OK ENABLE completed']);
  // A UTF-8 name goes out as a literal (8-bit), comes in quoted; "&" is just a character now.
  const name = 'Größe & Co';
  c.send(`b CREATE "${name}"\r\n`);
  assert.match((await c.until('b')).join('\n'), /^b OK \[MAILBOXID \(\w+\)\] CREATE completed$/);
  assert.ok(await env.store.getMailbox(env.account.id, name));
  const list = await c.command('l', 'LIST "" "*"');
  assert.ok(list.includes(`* LIST (\\HasNoChildren) "/" {${Buffer.byteLength(name)}}`), list.join('\n'));
  assert.ok(list.includes(utf8(name)), list.join('\n'));
  const msg = 'Subject: Grüße\r\nFrom: Jörg <joerg@example.org>\r\n\r\nHallo\r\n';
  c.send(`p APPEND "${name}" (\\Seen) UTF8 (~{${Buffer.byteLength(msg)}+}\r\n${msg})\r\n`);
  assert.match((await c.until('p')).at(-1)!, /^p OK \[APPENDUID \d+ 1\]/);
  const mailbox = (await env.store.getMailbox(env.account.id, name))!;
  assert.deepEqual((await env.store.listMessages(mailbox.id)).map((m) => [m.size, m.flags]), [[Buffer.byteLength(msg), ['\\Seen']]]);
  c.send(`s STATUS "${name}" (MESSAGES)\r\n`);
  const status = await c.until('s');
  assert.equal(status.at(-1), 's OK STATUS completed');
  assert.equal(status[0], `* STATUS {${Buffer.byteLength(name)}}`);
  // The modified UTF-7 form is now a different (missing) name.
  assert.match((await c.command('x', 'SELECT "Caf&AOk-"')).at(-1)!, /^x NO \[NONEXISTENT\]/);
  await assertAllBad(c, ['APPEND INBOX UTF8 ({3}\r\nabc)', 'APPEND INBOX UTF8 (~{3+}\r\nabc', 'APPEND INBOX UTF8 ~{3+}\r\nabc', `APPEND INBOX UTF8 "abc"`]);
});

test('UTF8=ACCEPT imapflow: enabled by the client; UTF-8 names and searches', async (t) => {
  const env = await setup(t);
  const client = await imapflow(t, env.port, ALICE);
  assert.ok(client.enabled.has('UTF8=ACCEPT'));
  const created = await client.mailboxCreate('Größe & Co/Unterordner');
  assert.equal(created.path, 'Größe & Co/Unterordner');
  assert.ok(await env.store.getMailbox(env.account.id, 'Größe & Co/Unterordner'));
  const paths = (await client.list()).map((m) => m.path).sort();
  assert.deepEqual(paths, ['Archive', 'Café', 'Drafts', 'Größe & Co', 'Größe & Co/Unterordner', 'INBOX', 'Junk', 'Sent', 'Trash']);
  await client.append('Café', Buffer.from('Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\r\nMit Umlauten: Käse\r\n'));
  const lock = await client.getMailboxLock('Café');
  t.after(() => lock.release());
  assert.deepEqual(await client.search({ body: 'Käse' }, { uid: true }), [1]);
  assert.deepEqual(await client.search({ subject: 'Grüße' }, { uid: true }), [1]);
  const status = await client.status('Größe & Co', { messages: true });
  assert.equal(status && status.messages, 0);
});

test('UTF8=ACCEPT imaplib: UTF-8 names after ENABLE, APPEND UTF8', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const env = await setup(t);
  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/imap_utf8.py'), String(env.port), ALICE, PASSWORD], { timeout: 60_000 });
  const out = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(out.before, ['(\\HasNoChildren) "/" "Caf&AOk-"']);
  assert.deepEqual(out.enabled, ['UTF8=ACCEPT']);
  assert.equal(out.create, 'OK');
  assert.ok((out.list as string[]).includes('(\\HasNoChildren) "/" {12}Größe & Co'), JSON.stringify(out.list));
  assert.ok((out.list as string[]).includes('(\\HasNoChildren) "/" {5}Café'), JSON.stringify(out.list));
  assert.deepEqual(out.append, ['OK', '[APPENDUID']);
  assert.deepEqual(out.status, ['{12}Größe & Co', ' (MESSAGES 1)']);
  assert.equal(out.logout, 'BYE');
});
