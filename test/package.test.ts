import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { VERSION } from '../src/version.ts';
import { exited, ROOT, tempDir } from './helpers/env.ts';
import { requireTool } from './helpers/smtp.ts';
import { peerCertificate, serveOnFreePorts } from './helpers/serve.ts';

const run = promisify(execFile);
const ALICE = 'alice@example.org';
const PASSWORD = 'correct horse battery';

/** `npm run package` once for the whole file: both targets, as a release build makes them. */
let built: Promise<void> | null = null;
const build = () => (built ??= run(process.execPath, [join(ROOT, 'scripts/package.ts')], { cwd: ROOT, maxBuffer: 16 << 20 }).then(() => {}));

/** The executable alone in an empty directory, with its own cache dir for the addons. */
async function installed(t: TestContext, arch: string) {
  await build();
  const dir = tempDir(t, 'mf-pkg-');
  const exe = join(dir, 'mailfold');
  copyFileSync(join(ROOT, 'dist', `mailfold-linux-${arch}`), exe);
  const env = { XDG_CACHE_HOME: join(dir, 'cache'), HOME: dir };
  return { dir, exe, env };
}

/**
 * The executable (or the command line that runs it) in `dir` serves mail: an
 * account made through its CLI sends with nodemailer and reads with imapflow,
 * which exercises both native addons (argon2 at login, classic-level in the store).
 */
async function servesMail(t: TestContext, dir: string, command: string[], env: Record<string, string>): Promise<void> {
  const [exe, ...prefix] = command as [string, ...string[]];
  const cli = (args: string[], input = '') => {
    const p = run(exe, [...prefix, ...args], { cwd: dir, env: { PATH: process.env.PATH!, ...env } });
    p.child.stdin!.end(input);
    return p;
  };
  assert.equal((await cli(['--version'])).stdout.trim(), VERSION);
  // Packaged, with no config: the system profile's standard ports and data dir.
  const defaults = (await cli(['config', 'show'])).stdout;
  assert.match(defaults, /^data_dir = "\/var\/lib\/mailfold"$/m);
  assert.match(defaults, /\[listeners\.smtp\]\nenabled = true\naddress = "::"\nport = 25\n/);
  assert.match(defaults, /\[listeners\.imaps\]\nenabled = true\naddress = "::"\nport = 993\n/);

  const work = join(dir, 'srv');
  mkdirSync(work);
  const { child, ports, config } = await serveOnFreePorts(t, work, { exe: command, env });
  // Admin commands from the executable go through the running server's control socket.
  await cli(['--config', config, 'domain', 'add', 'example.org']);
  await cli(['--config', config, 'user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`);
  const ca = await peerCertificate(ports.imaps);

  const transport = createTransport({
    host: '127.0.0.1',
    port: ports.submission,
    requireTLS: true,
    name: 'client.example.net',
    tls: { servername: 'localhost', ca },
    auth: { user: ALICE, pass: PASSWORD },
  });
  t.after(() => transport.close());
  const sent = await transport.sendMail({ from: ALICE, to: ALICE, subject: 'through the executable', text: 'Hello from nodemailer.\n' });
  assert.match(sent.response, /^250 /);

  const imap = new ImapFlow({
    host: '127.0.0.1',
    port: ports.imap,
    secure: false,
    tls: { servername: 'localhost', ca },
    auth: { user: ALICE, pass: PASSWORD },
    logger: false,
  });
  imap.on('error', () => {});
  await imap.connect();
  t.after(() => imap.close());
  const lock = await imap.getMailboxLock('INBOX');
  try {
    const messages = [];
    for await (const m of imap.fetch('1:*', { envelope: true, source: true })) messages.push(m);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.envelope!.subject, 'through the executable');
    assert.match(messages[0]!.source!.toString(), /Hello from nodemailer\./);
  } finally {
    lock.release();
  }
  await imap.logout();

  child.kill('SIGTERM');
  assert.deepEqual(await exited(child), { code: 0, signal: null });
}

test('the x64 executable serves IMAP and SMTP from an empty directory', { timeout: 240_000 }, async (t) => {
  const { dir, exe, env } = await installed(t, 'x64');
  assert.deepEqual(readdirSync(dir), ['mailfold']);
  await servesMail(t, dir, [exe], env);
});

test('the arm64 executable is an aarch64 ELF that serves IMAP and SMTP under qemu', { timeout: 600_000 }, async (t) => {
  const { dir, exe, env } = await installed(t, 'arm64');
  if (requireTool(t, 'file')) {
    assert.match((await run('file', ['-b', exe])).stdout, /ARM aarch64/);
  }
  if (!requireTool(t, 'qemu-aarch64-static')) return;
  // What a Raspberry Pi runs: the arm64 runtime with the arm64 addons, emulated.
  await servesMail(t, dir, ['qemu-aarch64-static', '-L', '/usr/aarch64-linux-gnu', exe], env);
});

test('the executable loads its addons only from a private cache dir, and rewrites a tampered copy', { timeout: 240_000 }, async (t) => {
  const { dir, exe } = await installed(t, 'x64');
  const shared = join(dir, 'shared');
  const own = join(dir, 'own');
  mkdirSync(shared, { mode: 0o777 });
  chmodSync(shared, 0o777);
  const version = () => run(exe, ['--version'], { cwd: dir, env: { PATH: process.env.PATH!, HOME: dir, MAILFOLD_CACHE: shared, XDG_CACHE_HOME: own } });

  assert.equal((await version()).stdout.trim(), VERSION);
  assert.deepEqual(readdirSync(shared), [], 'a directory others can write to is never used');
  const cache = join(own, 'mailfold');
  const files = readdirSync(cache).sort();
  assert.deepEqual(files.map((f) => f.replace(/-[0-9a-f]{16}\.node$/, '')), ['argon2', 'classic-level']);
  const good = readFileSync(join(cache, files[0]!));
  chmodSync(join(cache, files[0]!), 0o600);
  writeFileSync(join(cache, files[0]!), 'not an addon');
  assert.equal((await version()).stdout.trim(), VERSION);
  assert.deepEqual(readFileSync(join(cache, files[0]!)), good);
});
