import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createTransport } from 'nodemailer';
import { ROOT, tempDir } from './helpers/env.ts';
import { imapflow, PASSWORD } from './helpers/imap.ts';

const run = promisify(execFile);
/** design.md's fixed dev ports, the ones `npm start` serves on. */
const DEV = { smtp: 2525, submission: 2587, imap: 2143, pop3: 2110 };

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });

test('npm start serves on the dev ports, and npx mailfold talks to that server', { timeout: 300_000 }, async (t) => {
  const busy = (await Promise.all(Object.values(DEV).map(portFree))).some((free) => !free);
  if (busy) {
    // A developer's own `npm start` may hold them; CI's machine never does.
    if (process.env.CI === 'true') assert.fail('a dev port is in use');
    return t.skip('a dev port is in use (is `npm start` running?)');
  }
  // Only the data dir moves (MAILFOLD_DATA, a fixed convention), so the checkout stays clean.
  const env = { ...process.env, MAILFOLD_CONFIG: '', MAILFOLD_DATA: tempDir(t) };
  const server = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => {
    try {
      process.kill(-server.pid!, 'SIGKILL');
    } catch {
      // The group is gone already: the test stopped it.
    }
  });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('mailfold ready')) resolve();
    });
    server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    server.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${out}`)));
  });

  const npx = (args: string[], input = '') => {
    const p = run('npx', ['mailfold', ...args], { cwd: ROOT, env });
    p.child.stdin!.end(input);
    return p;
  };
  await npx(['domain', 'add', 'example.org']);
  await npx(['user', 'add', 'alice@example.org', '--password-stdin'], `${PASSWORD}\n`);

  const transport = createTransport({ host: '127.0.0.1', port: DEV.submission, requireTLS: true, tls: { rejectUnauthorized: false }, auth: { user: 'alice@example.org', pass: PASSWORD } });
  t.after(() => transport.close());
  assert.match((await transport.sendMail({ from: 'alice@example.org', to: 'alice@example.org', subject: 'npm start', text: 'hi' })).response, /^250 /);
  const imap = await imapflow(t, DEV.imap, 'alice@example.org');
  await imap.mailboxOpen('INBOX');
  const message = await imap.fetchOne('*', { envelope: true });
  assert.equal(message && message.envelope?.subject, 'npm start');
  await imap.logout();

  // A terminal's ^C or a service manager signals the whole group; the server stops cleanly.
  process.kill(-server.pid!, 'SIGTERM');
  // npm may exit first; the pipes close when the server itself is gone.
  await once(server, 'close');
  assert.match(out, /"msg":"stopped"/);
  // Its log never carries a password hash (smtp-server logs the session's account).
  assert.match(out, /"user":\{"id":1,/);
  assert.doesNotMatch(out, /argon2/);
});
