import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { exited, runCli, tempDir } from './helpers/env.ts';
import { RawClient } from './helpers/pop3.ts';
import { outputMatching, serveOnFreePorts, writeConfig } from './helpers/serve.ts';
import { SmtpClient } from './helpers/smtp.ts';

const ALICE = 'alice@example.org';
const PASSWORD = 'correct horse battery';

async function imapCommand(client: RawClient, tag: string, command: string): Promise<string> {
  client.send(`${tag} ${command}\r\n`);
  for (;;) {
    const line = await client.line();
    if (line === null) throw new Error(`connection closed during ${command}`);
    if (line.startsWith(`${tag} `)) return line;
  }
}

test('SIGHUP reloads the config under open sessions; SIGTERM says goodbye, flushes and exits 0', async (t) => {
  const dir = tempDir(t);
  const served = await serveOnFreePorts(t, dir);
  const { ports, config } = served;
  const cli = (args: string[], input?: string) => runCli(['--config', config, ...args], { cwd: dir, input });
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);

  const imap = await RawClient.connect(ports.imap);
  t.after(() => imap.socket.destroy());
  assert.match((await imap.line())!, /^\* OK/);
  assert.match(await imapCommand(imap, 'a1', `LOGIN ${ALICE} "${PASSWORD}"`), /^a1 OK/);
  assert.match(await imapCommand(imap, 'a2', 'SELECT INBOX'), /^a2 OK/);
  const smtp = await SmtpClient.connect(ports.smtp);
  t.after(() => smtp.socket.destroy());
  await smtp.hello();

  // A reloadable change and one that needs a restart.
  let mark = served.output().length;
  writeConfig(config, join(dir, 'data'), ports, '[log]\nlevel = "debug"\n[limits]\nconnections_per_ip = 50\n');
  served.child.kill('SIGHUP');
  const reloaded = await outputMatching(served, /take effect after a restart/, mark);
  assert.match(reloaded, /"applied":\["log\.level"\],"msg":"config reloaded"/);
  assert.match(reloaded, /"keys":\["limits\.connections_per_ip"\]/);
  assert.match(await imapCommand(imap, 'a3', 'NOOP'), /^a3 OK/);
  // The new level is in force: the next command is logged at debug level.
  mark = served.output().length;
  assert.match(await smtp.cmd('NOOP'), /^250 /);
  await outputMatching(served, /"level":20/, mark);

  // A broken file changes nothing and stops nothing.
  mark = served.output().length;
  writeConfig(config, join(dir, 'data'), ports, '[log]\nlevel = "loud"\n');
  served.child.kill('SIGHUP');
  assert.match(await outputMatching(served, /config reload failed/, mark), /log\.level: must be one of/);
  assert.match(await imapCommand(imap, 'a4', 'NOOP'), /^a4 OK/);

  // Delivered (250) just before the stop: it must be there after it.
  assert.match(await smtp.cmd(`MAIL FROM:<bob@example.net>`), /^250 /);
  assert.match(await smtp.cmd(`RCPT TO:<${ALICE}>`), /^250 /);
  assert.match(await smtp.cmd('DATA'), /^354 /);
  assert.match(await smtp.cmd('Subject: before the stop\r\n\r\nstill here\r\n.'), /^250 /);

  served.child.kill('SIGTERM');
  assert.match((await imap.line())!, /^\* BYE /);
  assert.equal(await imap.line(), null);
  assert.match((await smtp.reply()).at(-1)!, /^421 /);
  assert.deepEqual(await exited(served.child), { code: 0, signal: null });
  assert.match(served.output(), /"msg":"stopped"/);

  writeConfig(config, join(dir, 'data'), ports);
  const check = await cli(['store', 'check']);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const mailboxes = JSON.parse((await cli(['--json', 'mailbox', 'list', ALICE])).stdout) as { name: string; messages: number }[];
  assert.equal(mailboxes.find((m) => m.name === 'INBOX')?.messages, 1);
});

test('SIGINT stops the server the same way', async (t) => {
  const served = await serveOnFreePorts(t, tempDir(t));
  const pop3 = await RawClient.connect(served.ports.pop3);
  t.after(() => pop3.socket.destroy());
  assert.match((await pop3.line())!, /^\+OK/);
  served.child.kill('SIGINT');
  assert.match((await pop3.line())!, /^-ERR \[SYS\/TEMP\] Server shutting down/);
  assert.deepEqual(await exited(served.child), { code: 0, signal: null });
});
