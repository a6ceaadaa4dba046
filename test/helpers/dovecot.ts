/**
 * A private Dovecot (Debian's dovecot-imapd) as the reference IMAP server: its own
 * config in a temp dir, 127.0.0.1 on a free port, plaintext LOGIN for any user with
 * any password, stopped at the end. Used by tests that compare answers byte for byte,
 * and by scripts/dovecot-fixtures.ts.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './pebble.ts';

export interface Dovecot {
  port: number;
  version: string;
  stop(): Promise<void>;
}

/** uid/gid of a system user, from /etc/passwd. */
function systemUser(name: string): { uid: number; gid: number } | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

function writeConfig(dir: string, port: number): string {
  const asRoot = process.getuid?.() === 0;
  // As root, Dovecot's own users run the services and own the mail; otherwise everything runs as us.
  const mailUser = asRoot ? systemUser('dovecot') : { uid: process.getuid!(), gid: process.getgid!() };
  if (!mailUser) throw new Error('no "dovecot" system user: is dovecot-imapd installed?');
  const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
  for (const d of ['run', 'state', 'mail', 'home']) mkdirSync(join(dir, d), { recursive: true });
  chmodSync(dir, 0o755);
  if (asRoot) {
    chownSync(join(dir, 'mail'), mailUser.uid, mailUser.gid);
    chownSync(join(dir, 'home'), mailUser.uid, mailUser.gid);
  }
  const conf = `
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
mail_location = maildir:${dir}/mail/%u
first_valid_uid = ${mailUser.uid}
first_valid_gid = ${mailUser.gid}
default_internal_user = ${asRoot ? 'dovecot' : me}
default_login_user = ${asRoot ? 'dovenull' : me}
passdb {
  driver = static
  args = nopassword=y
}
userdb {
  driver = static
  args = uid=${mailUser.uid} gid=${mailUser.gid} home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
${asRoot ? '' : '  chroot =\n'}}
${asRoot ? '' : 'service anvil {\n  chroot =\n}\n'}`;
  const file = join(dir, 'dovecot.conf');
  writeFileSync(file, conf);
  return file;
}

/** Starts Dovecot in the foreground and resolves once its master process has its listeners up. */
export async function launchDovecot(): Promise<Dovecot> {
  const version = execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'mf-dovecot-'));
  const port = await freePort();
  const child: ChildProcess = spawn('dovecot', ['-F', '-c', writeConfig(dir, port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let log = '';
      child.stderr!.on('data', (d: Buffer) => {
        log += d.toString();
        // The master listens before it logs that it is starting up.
        if (log.includes('starting up')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`dovecot exited with ${code}:\n${log}`)));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, version, stop };
}

/**
 * Dovecot for one test, stopped when it ends. Without Dovecot the test is skipped,
 * or fails with CI=true (.ci/run installs dovecot-imapd).
 */
export async function startDovecot(t: TestContext): Promise<Dovecot | null> {
  try {
    execFileSync('sh', ['-c', 'command -v dovecot'], { stdio: 'ignore' });
  } catch {
    if (process.env.CI === 'true') throw new Error('dovecot is not installed (.ci/run installs dovecot-imapd)');
    t.skip('dovecot is not installed');
    return null;
  }
  const dovecot = await launchDovecot();
  t.after(() => dovecot.stop());
  return dovecot;
}
