import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bundleCheckout } from '../scripts/package/bundle.ts';
import { NODE_FLAGS } from '../scripts/package/node-flags.ts';
import { ROOT, runCli, tempDir } from './helpers/env.ts';
import { RawClient } from './helpers/pop3.ts';
import { serveOnFreePorts } from './helpers/serve.ts';
import { SmtpClient } from './helpers/smtp.ts';

const ALICE = 'alice@example.org';
const PASSWORD = 'correct horse battery';

async function imapCommand(client: RawClient, tag: string, command: string): Promise<string[]> {
  client.send(`${tag} ${command}\r\n`);
  const lines: string[] = [];
  for (;;) {
    const line = await client.line();
    if (line === null) throw new Error(`connection closed during ${command}`);
    lines.push(line);
    if (line.startsWith(`${tag} `)) return lines;
  }
}

// What `npm start` and the benchmarks run: every package and builtin through require(),
// the packages loaded at first use (mailauth here, at the first message from the world).
test('the checkout bundle is ASCII and serves: a message from the world over SMTP, read over IMAP', async (t) => {
  const bundle = join(ROOT, 'dist', `mailfold-test-${process.pid}.mjs`);
  t.after(() => rmSync(bundle, { force: true }));
  await bundleCheckout(ROOT, bundle);
  // A non-ASCII character would make V8 keep the whole source two bytes a character.
  assert.doesNotMatch(readFileSync(bundle, 'latin1'), /[^\x00-\x7f]/);

  const dir = tempDir(t);
  const served = await serveOnFreePorts(t, dir, { exe: [process.execPath, ...NODE_FLAGS, bundle] });
  const cli = (args: string[], input?: string) => runCli(['--config', served.config, ...args], { cwd: dir, input });
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);

  const smtp = await SmtpClient.connect(served.ports.smtp);
  t.after(() => smtp.socket.destroy());
  await smtp.hello();
  assert.match(await smtp.cmd('MAIL FROM:<bob@example.net>'), /^250 /);
  assert.match(await smtp.cmd(`RCPT TO:<${ALICE}>`), /^250 /);
  assert.match(await smtp.cmd('DATA'), /^354 /);
  assert.match(await smtp.cmd('From: bob@example.net\r\nSubject: from the bundle\r\n\r\nhello\r\n.'), /^250 /);

  const imap = await RawClient.connect(served.ports.imap);
  t.after(() => imap.socket.destroy());
  assert.match((await imap.line())!, /^\* OK/);
  assert.match((await imapCommand(imap, 'a1', `LOGIN ${ALICE} "${PASSWORD}"`)).at(-1)!, /^a1 OK/);
  assert.ok((await imapCommand(imap, 'a2', 'SELECT INBOX')).includes('* 1 EXISTS'));
  const fetched = await imapCommand(imap, 'a3', 'FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT AUTHENTICATION-RESULTS)]');
  assert.ok(fetched.includes('Subject: from the bundle'), fetched.join('\n'));
  // mailauth, loaded by the first message, checked this one.
  assert.match(fetched.join('\n'), /^Authentication-Results: localhost;(\n\s.*)*\bspf=/im);
  assert.match(fetched.at(-1)!, /^a3 OK/);
});
