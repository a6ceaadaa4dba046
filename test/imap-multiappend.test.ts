import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { MAX_APPEND_MESSAGES } from '../src/imap/commands/append.ts';
import { ROOT } from './helpers/env.ts';
import { imapflow, PASSWORD, RawImap } from './helpers/imap.ts';
import { ALICE, assertAllBad, serverWithInbox } from './helpers/imap-inbox.ts';
import { requireTool } from './helpers/smtp.ts';

const run = promisify(execFile);
const M1 = 'Subject: one\r\n\r\nfirst\r\n';
const M2 = 'Subject: two\r\n\r\nsecond\r\n';
const M3 = 'Subject: three\r\n\r\nthird\r\n';

async function setup(t: TestContext) {
  const env = await serverWithInbox(t, 0);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  return { ...env, c };
}

const uidsOf = async (env: Awaited<ReturnType<typeof setup>>) => (await env.store.listMessages(env.inbox.id)).map((m) => m.uid);

test('MULTIAPPEND raw: several messages with their own flags and dates, one APPENDUID', async (t) => {
  const env = await setup(t);
  const { c } = env;
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, / MULTIAPPEND/);
  const lines = await c.command('a', `APPEND INBOX (\\Seen) {${M1.length}+}\r\n${M1} {${M2.length}+}\r\n${M2} (\\Flagged $Work) "02-Jan-2026 10:00:00 +0100" {${M3.length}+}\r\n${M3}`);
  assert.deepEqual(lines, [`a OK [APPENDUID ${env.inbox.uidValidity} 1:3] APPEND completed`]);
  const stored = await env.store.listMessages(env.inbox.id);
  assert.deepEqual(stored.map((m) => m.flags), [['\\Seen'], [], ['\\Flagged', '$Work']]);
  assert.equal(stored[2]!.internalDate, Date.UTC(2026, 0, 2, 9));
  // Synchronizing literals: a "+" for each.
  c.send(`b APPEND INBOX {${M1.length}}\r\n`);
  assert.match((await c.line())!, /^\+ /);
  c.send(`${M1} {${M2.length}}\r\n`);
  assert.match((await c.line())!, /^\+ /);
  c.send(`${M2}\r\n`);
  assert.deepEqual(await c.until('b'), [`b OK [APPENDUID ${env.inbox.uidValidity} 4:5] APPEND completed`]);
});

test('MULTIAPPEND raw: all or nothing (quota, empty message, missing mailbox)', async (t) => {
  const env = await setup(t);
  const { c } = env;
  await env.store.updateAccount(ALICE, { quotaMessages: 2 });
  const three = `{${M1.length}+}\r\n${M1} {${M2.length}+}\r\n${M2} {${M3.length}+}\r\n${M3}`;
  assert.match((await c.command('a', `APPEND INBOX ${three}`)).at(-1)!, /^a NO \[OVERQUOTA\]/);
  assert.deepEqual(await uidsOf(env), []);
  assert.match((await c.command('b', `APPEND INBOX {${M1.length}+}\r\n${M1} {0+}\r\n`)).at(-1)!, /^b NO \[CANNOT\]/);
  assert.match((await c.command('d', `APPEND Nowhere ${three}`)).at(-1)!, /^d NO \[TRYCREATE\]/);
  assert.deepEqual(await uidsOf(env), []);
  assert.match((await c.command('e', `APPEND INBOX {${M1.length}+}\r\n${M1} {${M2.length}+}\r\n${M2}`)).at(-1)!, /^e OK \[APPENDUID \d+ 1:2\]/);
  // The UIDs of a refused batch were never used.
  assert.deepEqual(await uidsOf(env), [1, 2]);
});

test('MULTIAPPEND raw: malformed messages in the list are BAD and nothing is stored', async (t) => {
  const env = await setup(t);
  const m1 = `{${M1.length}+}\r\n${M1}`;
  await assertAllBad(env.c, [
    `APPEND INBOX ${m1} `,
    `APPEND INBOX ${m1}  ${m1}`,
    `APPEND INBOX ${m1} (\\Seen)`,
    `APPEND INBOX ${m1} (\\Recent) ${m1}`,
    `APPEND INBOX ${m1} "not a date" ${m1}`,
    `APPEND INBOX ${m1} ${m1} x`,
    `APPEND INBOX ${m1} "${M1.trim().replace(/\r\n/g, ' ')}"x`,
  ]);
  // Too many messages is no syntax error: NO [MESSAGELIMIT] (RFC 9738 3.1).
  assert.deepEqual(await env.c.command('m', `APPEND INBOX${' {1+}\r\nx'.repeat(MAX_APPEND_MESSAGES + 1)}`), [`m NO [MESSAGELIMIT ${MAX_APPEND_MESSAGES}] At most ${MAX_APPEND_MESSAGES} messages in one command, try a smaller set`]);
  assert.deepEqual(await uidsOf(env), []);
});

test('MULTIAPPEND: imapflow sees the batch as separate messages', async (t) => {
  const env = await setup(t);
  await env.c.command('a', `APPEND INBOX {${M1.length}+}\r\n${M1} (\\Answered) {${M2.length}+}\r\n${M2}`);
  const client = await imapflow(t, env.port, ALICE);
  assert.ok(client.capabilities.has('MULTIAPPEND'));
  const lock = await client.getMailboxLock('INBOX');
  t.after(() => lock.release());
  const seen = [];
  for await (const msg of client.fetch('1:*', { envelope: true, flags: true, uid: true })) seen.push([msg.uid, msg.envelope?.subject, [...(msg.flags ?? [])]]);
  assert.deepEqual(seen, [
    [1, 'one', []],
    [2, 'two', ['\\Answered']],
  ]);
  // imapflow's own APPEND (one message) goes the same way.
  const appended = await client.append('INBOX', Buffer.from(M3), ['\\Seen']);
  assert.ok(appended);
  assert.equal(appended.uid, 3);
});

test('MULTIAPPEND imaplib: two messages in one APPEND with synchronizing literals', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const env = await setup(t);
  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/imap_multiappend.py'), String(env.port), ALICE, PASSWORD], { timeout: 60_000 });
  const out = JSON.parse(stdout) as { append: string[]; fetch: string[]; logout: string };
  assert.deepEqual(out.append, ['OK', `[APPENDUID ${env.inbox.uidValidity} 1:2] APPEND completed`]);
  assert.equal(out.fetch.filter((l) => l !== ')').length, 2, JSON.stringify(out.fetch));
  assert.match(out.fetch[0]!, /^1 \(FLAGS \(\\Recent \\Flagged\) INTERNALDATE "[^"]+" BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}Subject: one/);
  assert.match(out.fetch[2]!, /^2 \(FLAGS \(\\Recent \\Seen\) INTERNALDATE " 1-Jan-2026 10:00:00 \+0000" BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}Subject: two/);
  assert.equal(out.logout, 'BYE');
});

test('large literals (read into buffers of their own) round trip byte for byte, also two in one MULTIAPPEND sent in small pieces', async (t) => {
  const env = await setup(t);
  const { c } = env;
  const big = (n: number, fill: string) => `Subject: big ${n}\r\n\r\n${`${fill.repeat(70)}\r\n`.repeat(Math.ceil(n / 72))}`;
  const [a, b] = [big(200_000, 'a'), big(300_000, 'b')];
  const command = Buffer.from(`m APPEND INBOX {${a.length}+}\r\n${a} (\\Seen) {${b.length}+}\r\n${b}\r\n`);
  for (let i = 0; i < command.length; i += 1000) c.send(command.subarray(i, i + 1000));
  assert.deepEqual(await c.until('m'), [`m OK [APPENDUID ${env.inbox.uidValidity} 1:2] APPEND completed`]);
  const client = await imapflow(t, env.port, ALICE);
  await client.mailboxOpen('INBOX');
  const sources: string[] = [];
  for await (const m of client.fetch('1:*', { source: true })) sources.push(m.source!.toString('latin1'));
  assert.deepEqual(sources, [a, b]);
});
