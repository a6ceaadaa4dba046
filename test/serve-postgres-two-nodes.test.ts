/**
 * Two `mailfold serve` nodes on one PostgreSQL database: mail delivered by SMTP to node
 * A reaches an IMAP IDLE session on node B, and a flag set through node B reaches an
 * IDLE session on node A; both nodes serve the same mailbox with the same UIDs.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { once } from 'node:events';
import { runCli, tempDir } from './helpers/env.ts';
import { imapflow, PASSWORD } from './helpers/imap.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { serveOnFreePorts } from './helpers/serve.ts';
import { SmtpClient } from './helpers/smtp.ts';

const database = postgresForFile();
const ALICE = 'alice@example.org';

test('two nodes on one database: SMTP on A is seen in IDLE on B, a flag set on B is seen in IDLE on A', async (t) => {
  const url = await database(t);
  if (!url) return;
  const store = `[store]\nbackend = "postgres"\nurl = "${url}"\ntls = "off"\n`;
  const nodeA = await serveOnFreePorts(t, tempDir(t), { extra: store });
  const nodeB = await serveOnFreePorts(t, tempDir(t), { extra: store });
  const cli = (args: string[], input?: string) => runCli(['--config', nodeA.config, ...args], { cwd: join(nodeA.config, '..'), input });
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);

  const onB = await imapflow(t, nodeB.ports.imap, ALICE);
  await onB.mailboxOpen('INBOX');
  const told = once(onB, 'exists');
  const idleB = onB.idle();
  const smtp = await SmtpClient.connect(nodeA.ports.smtp);
  await smtp.hello();
  assert.match(await smtp.cmd('MAIL FROM:<bob@example.net>'), /^250/);
  assert.match(await smtp.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await smtp.data(`From: bob@example.net\r\nTo: ${ALICE}\r\nSubject: across nodes\r\nMessage-ID: <x1@example.net>\r\n\r\nHi.\r\n`), /^250/);
  smtp.close();
  const [exists] = (await told) as [{ count: number }];
  assert.equal(exists.count, 1, 'node B tells its IDLE client of mail node A took');
  await onB.noop();
  await idleB;

  const onA = await imapflow(t, nodeA.ports.imap, ALICE);
  await onA.mailboxOpen('INBOX');
  const flagged = once(onA, 'flags');
  const idleA = onA.idle();
  assert.ok(await onB.messageFlagsAdd('1', ['\\Flagged']));
  const [change] = (await flagged) as [{ uid?: number; seq: number; flags: Set<string> }];
  assert.equal(change.seq, 1);
  assert.ok(change.flags.has('\\Flagged'), 'node A tells its IDLE client of the flag set on node B');
  await onA.noop();
  await idleA;
  const [fromA, fromB] = [await onA.fetchOne('1', { uid: true, envelope: true }), await onB.fetchOne('1', { uid: true, envelope: true })];
  assert.ok(fromA && fromB);
  assert.deepEqual([fromA.uid, fromA.envelope?.subject], [fromB.uid, 'across nodes']);
});
