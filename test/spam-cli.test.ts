import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fails, ok, workspace } from './helpers/cli.ts';
import { BIN, ROOT, runCli, tempDir } from './helpers/env.ts';
import { serveOnFreePorts } from './helpers/serve.ts';
import { clearHam, clearSpam, fixtures, SPAM_FIXTURES } from './helpers/spam.ts';

const ALICE = 'alice@example.org';
const PASSWORD = 'correct horse battery';

/** An mboxrd file of these messages (a `From ` line inside a message gets a `>`). */
function writeMbox(path: string, messages: Buffer[]): void {
  const text = messages.map((m) => `From sender@example.net Sat Jan  4 10:00:00 2025\n${m.toString('latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1')}\n`).join('');
  writeFileSync(path, Buffer.from(text, 'latin1'));
}

test('spam train from a directory and an mbox on the stopped server; status, forget; relearning changes nothing', async (t) => {
  const { cwd, cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', ALICE, '--password-stdin'], PASSWORD));
  const mbox = join(cwd, 'ham.mbox');
  writeMbox(mbox, fixtures('ham').slice(0, 20));
  const trained = await ok(cli(['spam', 'train', ALICE, '--spam', join(SPAM_FIXTURES, 'spam'), '--ham', mbox]));
  assert.equal(trained.stdout, `${ALICE}: 60 messages read, 60 learned, 0 already learned\n`);
  const again = await ok(cli(['--json', 'spam', 'train', ALICE, '--spam', join(SPAM_FIXTURES, 'spam', '00001.eml')]));
  assert.deepEqual(JSON.parse(again.stdout.trim().split('\n').at(-1)!).result, { learned: 0, unchanged: 1, messages: 1 });
  const status = JSON.parse((await ok(cli(['--json', 'spam', 'status', ALICE]))).stdout);
  assert.equal(status.spam, 40);
  assert.equal(status.ham, 20);
  assert.ok(status.tokens > 1000, String(status.tokens));
  assert.match((await ok(cli(['spam', 'status', ALICE]))).stdout, /^account: {2}alice@example\.org\nlearned: {2}40 spam, 20 ham\n/);
  // A file learned as spam before, now as ham: moved, not counted twice.
  const moved = join(cwd, 'moved.eml');
  writeFileSync(moved, fixtures('spam')[0]!);
  await ok(cli(['spam', 'train', ALICE, '--ham', moved]));
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'spam', 'status', ALICE]))).stdout).spam, 39);
  // On a terminal: a bar with the count known from the directory, the result after it (the moved one moves back).
  const onTty = execFileSync('python3', [join(ROOT, 'test/fixtures/pty_answer.py'), '[]', process.execPath, BIN, '--data-dir', join(cwd, 'data'), 'spam', 'train', ALICE, '--spam', join(SPAM_FIXTURES, 'spam')], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, MAILFOLD_CONFIG: '', MAILFOLD_DATA: '' },
  });
  assert.match(onTty, /spam train \[=+\] 100% \| 40 messages/);
  assert.match(onTty, /40 messages read, 1 learned, 39 already learned/);
  const forgotten = JSON.parse((await ok(cli(['--json', 'spam', 'forget', ALICE]))).stdout);
  assert.deepEqual([forgotten.spam, forgotten.ham, forgotten.tokens], [0, 0, 0]);
});

test('spam allow, block, unallow, unblock and lists; bad input is one line and exit 1', async (t) => {
  const { cwd, cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', ALICE, '--password-stdin'], PASSWORD));
  await ok(cli(['spam', 'allow', ALICE, 'Friend@Example.net']));
  await ok(cli(['spam', 'block', ALICE, 'spam.example']));
  assert.equal((await ok(cli(['spam', 'lists', ALICE]))).stdout, 'SENDER              LIST\nfriend@example.net  allow\nspam.example        block\n');
  await ok(cli(['spam', 'unallow', ALICE, 'friend@example.net']));
  await ok(cli(['spam', 'unblock', ALICE, 'spam.example']));
  assert.equal((await ok(cli(['spam', 'lists', ALICE]))).stdout, 'no allowed or blocked senders\n');
  await fails(cli(['spam', 'block', ALICE, 'not a sender']), /^mailfold: not an address or domain: "not a sender"$/);
  await fails(cli(['spam', 'block', ALICE, '../../etc']), /^mailfold: not an address or domain/);
  await fails(cli(['spam', 'status', 'nobody@example.org']), /^mailfold: no such account: nobody@example\.org$/);
  await fails(cli(['spam', 'train', ALICE]), /^mailfold: give at least one --spam or --ham PATH$/);
  await fails(cli(['spam', 'train', ALICE, '--spam', join(cwd, 'missing')]), /^mailfold: cannot read .*missing: no such file or directory$/);
  // A file that is not a message at all is learned as what it is: a few tokens, no crash.
  const junk = join(cwd, 'binary');
  writeFileSync(junk, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)));
  await ok(cli(['spam', 'train', ALICE, '--spam', junk]));
});

test('spam train while the server runs, then `mailfold deliver` is judged unless --no-filter', async (t) => {
  const dir = tempDir(t);
  const served = await serveOnFreePorts(t, dir);
  const cli = (args: string[], input?: string | Buffer) => runCli(['--config', served.config, ...args], { cwd: dir, input });
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', ALICE, '--password-stdin'], PASSWORD));
  const spamDir = join(dir, 'spam');
  mkdirSync(spamDir);
  fixtures('spam').slice(0, 30).forEach((m, i) => writeFileSync(join(spamDir, `${i}.eml`), m));
  const hamBox = join(dir, 'ham.mbox');
  writeMbox(hamBox, fixtures('ham').slice(0, 45));
  assert.match((await ok(cli(['spam', 'train', ALICE, '--spam', spamDir, '--ham', hamBox]))).stdout, /: 75 messages read, 75 learned/);
  await ok(cli(['deliver', '--to', ALICE, '--from', 'someone@example.net'], clearSpam()));
  await ok(cli(['deliver', '--to', ALICE, '--from', 'someone@example.net'], clearHam()));
  await ok(cli(['deliver', '--to', ALICE, '--from', 'someone@example.net', '--no-filter'], clearSpam()));
  const boxes = JSON.parse((await ok(cli(['--json', 'mailbox', 'list', ALICE]))).stdout) as { name: string; messages: number }[];
  const count = (name: string) => boxes.find((b) => b.name === name)!.messages;
  assert.equal(count('Junk'), 1);
  assert.equal(count('INBOX'), 2);
  assert.match(served.output(), /"msg":"spam verdict"/);
});
