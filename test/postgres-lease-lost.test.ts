/**
 * A node whose lock connection to the database breaks while it runs loses its leases
 * (src/store/postgres/coordination.ts): its POP3 sessions, which the maildrop lease kept
 * alone in their maildrops, end at once without applying their DELEs, and a session on
 * the other node can open the maildrop.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import postgres from 'postgres';
import { lockConnectionName } from '../src/store/postgres/coordination.ts';
import { ROOT } from './helpers/env.ts';
import { PASSWORD, RawClient } from './helpers/pop3.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { ALICE, sendMail, twoNodes } from './helpers/postgres-nodes.ts';
import { requireTool } from './helpers/smtp.ts';
import { outputMatching } from './helpers/serve.ts';

const database = postgresForFile();

/** USER and PASS on `port`: the client and the answer to PASS. */
async function login(port: number): Promise<{ client: RawClient; reply: string }> {
  const client = await RawClient.connect(port);
  assert.match((await client.line())!, /^\+OK/);
  assert.match(await client.command(`USER ${ALICE}`), /^\+OK/);
  return { client, reply: await client.command(`PASS ${PASSWORD}`) };
}

test("a node's lock connection is terminated: its poplib session ends with -ERR, its DELE undone, and node B opens the maildrop", async (t) => {
  if (!requireTool(t, 'python3')) return;
  const url = await database(t);
  if (!url) return;
  const { a, b } = await twoNodes(t, url);
  for (let i = 1; i <= 3; i++) assert.match(await sendMail(a.ports.smtp, `lease${i}@example.net`), /^250/);

  const python = spawn('python3', [join(ROOT, 'test/fixtures/pop3_lease_lost.py'), String(a.ports.pop3), ALICE, PASSWORD], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => python.kill());
  const said = createInterface({ input: python.stdout! })[Symbol.asyncIterator]();
  const next = async () => JSON.parse(((await said.next()).value as string | undefined) ?? 'null') as Record<string, string | number> | null;
  assert.deepEqual(await next(), { count: 3 }, 'poplib on node A is logged in and has marked message 1 deleted');
  assert.match((await login(b.ports.pop3)).reply, /^-ERR \[IN-USE\]/, 'node A holds the maildrop');

  const admin = postgres(url, { max: 1, onnotice: () => {} });
  t.after(() => admin.end({ timeout: 1 }));
  const terminated = await admin`SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = ${lockConnectionName(a.child.pid)}`;
  assert.deepEqual(terminated.map((r) => r.ok), [true], "node A's lock connection, named by its host and process");

  // The backend ends a moment after it was told to: node B is asked until the lock is free.
  const deadline = Date.now() + 30_000;
  let onB = await login(b.ports.pop3);
  while (!onB.reply.startsWith('+OK')) {
    assert.match(onB.reply, /^-ERR \[IN-USE\]/);
    assert.ok(Date.now() < deadline, 'the maildrop stays locked after the lock connection was terminated');
    onB.client.close();
    onB = await login(b.ports.pop3);
  }
  assert.match(await onB.client.command('STAT'), /^\+OK 3 /, 'node B sees every message: the DELE on node A was never applied');
  assert.match(await onB.client.command('QUIT'), /^\+OK/);

  python.stdin!.end('\n');
  const after = await next();
  // Node A hears of the closed connection a moment after the database freed the lock: a
  // STAT in between is still answered, but QUIT asks the database and applies nothing.
  if (!String(after?.stat).startsWith('+OK')) assert.match(String(after?.stat), /^-ERR \[SYS\/TEMP\] The maildrop lock was lost/, 'the session on node A ended when its lease did');
  assert.doesNotMatch(String(after?.quit), /^\+OK/, 'its QUIT can no longer apply the DELE');
  await once(python, 'exit');

  const again = await login(b.ports.pop3);
  assert.match(again.reply, /^\+OK/);
  assert.match(await again.client.command('STAT'), /^\+OK 3 /, 'the three messages are all still there');
  assert.match(await again.client.command('QUIT'), /^\+OK/);
  await outputMatching(a, /maildrop lease lost/, 0);
});
