import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './helpers/env.ts';
import { PASSWORD } from './helpers/imap.ts';
import { ALICE, serverWithInbox } from './helpers/imap-inbox.ts';
import { requireTool } from './helpers/smtp.ts';

const run = promisify(execFile);

test('METADATA, REPLACE, CATENATE, MULTISEARCH, NOTIFY from Python imaplib', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const env = await serverWithInbox(t, 0);
  const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/imap_ext_a.py'), String(env.port), ALICE, PASSWORD], { timeout: 60_000 });
  const seen = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(seen.capabilities, ['CATENATE', 'METADATA', 'METADATA-SERVER', 'MULTISEARCH', 'NOTIFY', 'REPLACE']);
  assert.equal(seen.setmetadata, 'OK');
  assert.deepEqual(seen.getmetadata, ['OK', ['"INBOX" ("/private/comment" "from python")']]);
  assert.equal(seen.replace, 'OK');
  assert.equal(seen.catenate, 'OK');
  const account = (await env.store.getAccount(ALICE))!;
  const drafts = (await env.store.getMailbox(account.id, 'Drafts'))!;
  const esearch = seen.esearch as [string, string[]];
  assert.equal(esearch[0], 'OK');
  assert.deepEqual(esearch[1].map((l) => l.replace(/^\(TAG "[^"]+"/, '(TAG')), [
    `(TAG MAILBOX "Drafts" UIDVALIDITY ${drafts.uidValidity}) UID ALL 1`,
    `(TAG MAILBOX "INBOX" UIDVALIDITY ${env.inbox.uidValidity}) UID ALL 2`,
  ]);
  assert.equal(seen.notify, 'OK');
  assert.equal(seen.logout, 'BYE');
  assert.equal((await env.store.listMessages(drafts.id)).length, 1);
  assert.deepEqual((await env.store.listMessages(env.inbox.id)).map((m) => m.uid), [2]);
});
