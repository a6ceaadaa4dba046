import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawImap } from './helpers/imap.ts';
import { ALICE, aliceSession, assertAllBad } from './helpers/imap-inbox.ts';

const DRAFT = 'Subject: draft v2\r\n\r\nsecond version\r\n';
const lit = (s: string) => `{${s.length}+}\r\n${s}`;

test('REPLACE: the new message is stored, APPENDUID is sent before the EXPUNGE, other sessions see both', async (t) => {
  const env = await aliceSession(t, 3);
  const { c } = env;
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, / REPLACE /);
  await c.command('s', 'SELECT INBOX');
  const other = await RawImap.connect(env.port);
  t.after(() => other.close());
  await other.login(ALICE);
  await other.command('s', 'SELECT INBOX');
  const v = env.inbox.uidValidity;
  assert.deepEqual(await c.command('r1', `REPLACE 2 INBOX (\\Draft) ${lit(DRAFT)}`), [
    `* OK [APPENDUID ${v} 4] Replacement message stored`,
    '* 2 EXPUNGE',
    '* 3 EXISTS',
    'r1 OK REPLACE completed',
  ]);
  const stored = await env.store.listMessages(env.inbox.id);
  assert.deepEqual(stored.map((m) => [m.uid, m.flags]), [[1, []], [3, []], [4, ['\\Draft']]]);
  assert.deepEqual(await other.command('n', 'NOOP'), ['* 2 EXPUNGE', '* 3 EXISTS', 'n OK NOOP completed']);
  // UID REPLACE into another mailbox, with QRESYNC: VANISHED instead of EXPUNGE.
  await c.command('e', 'ENABLE QRESYNC');
  const drafts = (await env.store.getMailbox((await env.store.getAccount(ALICE))!.id, 'Drafts'))!;
  assert.deepEqual(await c.command('r2', `UID REPLACE 4 Drafts "02-Jan-2026 10:00:00 +0000" ${lit(DRAFT)}`), [
    `* OK [APPENDUID ${drafts.uidValidity} 1] Replacement message stored`,
    '* VANISHED 4',
    '* 2 RECENT',
    'r2 OK REPLACE completed',
  ]);
  assert.deepEqual((await env.store.listMessages(drafts.id)).map((m) => m.internalDate), [Date.UTC(2026, 0, 2, 10)]);
  assert.deepEqual((await env.store.listMessages(env.inbox.id)).map((m) => m.uid), [1, 3]);
});

test('REPLACE refused: the original stays when the new message is not stored', async (t) => {
  const env = await aliceSession(t, 2);
  const { c } = env;
  const uids = async () => (await env.store.listMessages(env.inbox.id)).map((m) => m.uid);
  assert.match((await c.command('n', `REPLACE 1 INBOX ${lit(DRAFT)}`)).at(-1)!, /^n BAD .*not allowed without a selected mailbox/);
  await c.command('s', 'SELECT INBOX');
  assert.match((await c.command('t', `REPLACE 1 Nowhere ${lit(DRAFT)}`)).at(-1)!, /^t NO \[TRYCREATE\]/);
  assert.match((await c.command('u', `UID REPLACE 99 INBOX ${lit(DRAFT)}`)).at(-1)!, /^u NO \[NONEXISTENT\]/);
  assert.match((await c.command('o', `REPLACE 3 INBOX ${lit(DRAFT)}`)).at(-1)!, /^o BAD /);
  assert.match((await c.command('e', `REPLACE 1 INBOX {0+}\r\n`)).at(-1)!, /^e NO \[CANNOT\]/);
  // Over quota: the replacement is refused, the original kept.
  await env.store.updateAccount(ALICE, { quotaBytes: 1, quotaMessages: 0 });
  assert.match((await c.command('q', `REPLACE 1 INBOX ${lit(DRAFT)}`)).at(-1)!, /^q NO \[OVERQUOTA\]/);
  await env.store.updateAccount(ALICE, { quotaBytes: 0, quotaMessages: 0 });
  // Larger than APPENDLIMIT: refused before a byte of it is read.
  c.send(`b REPLACE 1 INBOX {${env.config.limits.message_size + 1}}\r\n`);
  assert.match((await c.until('b')).at(-1)!, /^b NO \[TOOBIG\]/);
  assert.deepEqual(await uids(), [1, 2]);
  await assertAllBad(c, [
    `REPLACE 0 INBOX ${lit(DRAFT)}`,
    `REPLACE * INBOX ${lit(DRAFT)}`,
    `REPLACE 1:2 INBOX ${lit(DRAFT)}`,
    'REPLACE 1 INBOX',
    `REPLACE 1 INBOX (\\Recent) ${lit(DRAFT)}`,
    `REPLACE 1 INBOX ${lit(DRAFT)} ${lit(DRAFT)}`,
    `REPLACE 1 INBOX "bad date" ${lit(DRAFT)}`,
  ]);
  assert.deepEqual(await uids(), [1, 2]);
  // A read-only mailbox cannot lose a message.
  await c.command('x', 'EXAMINE INBOX');
  assert.match((await c.command('r', `REPLACE 1 INBOX ${lit(DRAFT)}`)).at(-1)!, /^r NO \[READ-ONLY\]/);
  assert.deepEqual(await uids(), [1, 2]);
});
