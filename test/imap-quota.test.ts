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

/** Three messages, the account limited to 100 KiB and 4 messages; UID 1 is \Deleted. */
async function setup(t: TestContext, quota = { quotaBytes: 100 * 1024, quotaMessages: 4 }) {
  const env = await serverWithInbox(t, 3);
  await env.store.updateAccount(ALICE, quota);
  await env.store.storeFlags(env.inbox.id, [1], 'add', ['\\Deleted']);
  const messages = await env.store.listMessages(env.inbox.id);
  const used = messages.reduce((sum, m) => sum + m.size, 0);
  return { ...env, used, firstSize: messages[0]!.size };
}

const kib = (n: number) => Math.ceil(n / 1024);

test('QUOTA raw: GETQUOTAROOT, GETQUOTA, SETQUOTA refused, STATUS DELETED, APPEND over quota', async (t) => {
  const env = await setup(t);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  const caps = (await c.command('c', 'CAPABILITY'))[0]!;
  assert.match(caps, / QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE/);
  assert.ok(!caps.includes('QUOTASET'));
  assert.deepEqual(await c.command('a', 'GETQUOTAROOT Sent'), ['* QUOTAROOT "Sent" ""', `* QUOTA "" (STORAGE ${kib(env.used)} 100 MESSAGE 3 4)`, 'a OK GETQUOTAROOT completed']);
  assert.deepEqual(await c.command('b', 'GETQUOTA ""'), [`* QUOTA "" (STORAGE ${kib(env.used)} 100 MESSAGE 3 4)`, 'b OK GETQUOTA completed']);
  assert.match((await c.command('d', 'GETQUOTA "other"')).at(-1)!, /^d NO \[NONEXISTENT\]/);
  assert.match((await c.command('e', 'GETQUOTAROOT Nowhere')).at(-1)!, /^e NO \[NONEXISTENT\]/);
  assert.match((await c.command('f', 'SETQUOTA "" (STORAGE 512)')).at(-1)!, /^f NO \[NOPERM\]/);
  assert.deepEqual(await c.command('g', 'STATUS INBOX (DELETED DELETED-STORAGE)'), [`* STATUS "INBOX" (DELETED 1 DELETED-STORAGE ${kib(env.firstSize)})`, 'g OK STATUS completed']);
  // One more message fits the message limit, the next does not.
  const msg = 'Subject: x\r\n\r\nhi\r\n';
  assert.match((await c.command('h', `APPEND INBOX {${msg.length}+}\r\n${msg}`)).at(-1)!, /^h OK \[APPENDUID/);
  assert.match((await c.command('i', `APPEND INBOX {${msg.length}+}\r\n${msg}`)).at(-1)!, /^i NO \[OVERQUOTA\]/);
  assert.match((await c.command('j', 'GETQUOTA ""'))[0]!, / MESSAGE 4 4\)$/);
  // An admin's change shows at once; without limits there is no root.
  await env.store.updateAccount(ALICE, { quotaBytes: 0, quotaMessages: 0 });
  assert.deepEqual(await c.command('k', 'GETQUOTAROOT INBOX'), ['* QUOTAROOT "INBOX"', 'k OK GETQUOTAROOT completed']);
  assert.match((await c.command('l', 'GETQUOTA ""')).at(-1)!, /^l NO \[NONEXISTENT\]/);
});

test('QUOTA raw: malformed arguments are BAD and the session goes on', async (t) => {
  const env = await setup(t);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  assert.match((await c.command('p', 'GETQUOTA ""')).at(-1)!, /^p BAD /);
  await c.login(ALICE);
  await assertAllBad(c, [
    'GETQUOTA',
    'GETQUOTA "" extra',
    'GETQUOTAROOT',
    'GETQUOTAROOT INBOX Sent',
    'SETQUOTA ""',
    'SETQUOTA "" STORAGE 1',
    'SETQUOTA "" (STORAGE)',
    'SETQUOTA "" (STORAGE x)',
    'SETQUOTA "" (STORAGE 99999999999999999999)',
    'STATUS INBOX (DELETED-STORAGES)',
  ]);
});

test('QUOTA imapflow: getQuota reports storage and messages', async (t) => {
  const env = await setup(t);
  const client = await imapflow(t, env.port, ALICE);
  const quota = await client.getQuota('INBOX');
  assert.ok(quota);
  assert.equal(quota.path, 'INBOX');
  assert.deepEqual(quota.storage, { usage: kib(env.used) * 1024, limit: 100 * 1024, status: `${Math.round((kib(env.used) / 100) * 100)}%` });
  // imapflow names each resource after the RFC 9208 name, lower-cased.
  assert.deepEqual((quota as unknown as Record<string, unknown>).message, { usage: 3, limit: 4, status: '75%' });
});

test('QUOTA imaplib: getquotaroot, getquota, setquota refused, STATUS DELETED', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const env = await setup(t);
  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/imap_quota.py'), String(env.port), ALICE, PASSWORD], { timeout: 60_000 });
  const quota = `"" (STORAGE ${kib(env.used)} 100 MESSAGE 3 4)`;
  assert.deepEqual(JSON.parse(stdout), {
    capabilities: ['QUOTA', 'QUOTA=RES-MESSAGE', 'QUOTA=RES-STORAGE'],
    getquotaroot: ['OK', ['"INBOX" ""'], [quota]],
    getquota: ['OK', [quota]],
    setquota: ['NO', '[NOPERM]'],
    status: `"INBOX" (DELETED 1 DELETED-STORAGE ${kib(env.firstSize)} MESSAGES 3)`,
    logout: 'BYE',
  });
});
