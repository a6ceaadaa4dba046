/**
 * A private Dovecot (Debian's dovecot-imapd) as the reference IMAP server: its own
 * config in a temp dir, 127.0.0.1 on a free port, plaintext LOGIN for any user with
 * any password, stopped at the end. Used by tests that compare answers byte for byte,
 * and by scripts/dovecot-fixtures.ts; helpers/dovecot-peer.ts starts it with its own
 * users, mail and TLS.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { freePort } from './pebble.ts';
import type { KeyAndCert } from './test-ca.ts';

export interface Dovecot {
  port: number;
  /** With `tls`: the implicit-TLS (imaps) port; else 0. */
  tlsPort: number;
  version: string;
  /** Its temp dir (removed by `stop`), with `mail/` and `home/` owned by `mailUser`. */
  dir: string;
  /** The user and group Dovecot reads and writes mail as. */
  mailUser: { uid: number; gid: number };
  stop(): Promise<void>;
}

export interface DovecotOptions {
  /**
   * Lines for auth and mail (auth_mechanisms, passdb, userdb, mail_location, namespaces):
   * by default anyone logs in with any password, each user in a Maildir of their own.
   */
  accounts?: (dir: string, mailUser: { uid: number; gid: number }) => string[];
  /** Also an implicit-TLS port serving this certificate. */
  tls?: KeyAndCert;
}

/** Anyone with any password (PLAIN), each user's Maildir under mail/. */
const anyone = (dir: string, mailUser: { uid: number; gid: number }): string[] => [
  'auth_mechanisms = plain',
  `mail_location = maildir:${dir}/mail/%u`,
  'passdb {\n  driver = static\n  args = nopassword=y\n}',
  `userdb {\n  driver = static\n  args = uid=${mailUser.uid} gid=${mailUser.gid} home=${dir}/home/%u\n}`,
];

/** uid/gid of a system user, from /etc/passwd. */
function systemUser(name: string): { uid: number; gid: number } | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

function writeConfig(dir: string, port: number, tlsPort: number, opts: DovecotOptions): { file: string; mailUser: { uid: number; gid: number } } {
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
  if (opts.tls) {
    writeFileSync(join(dir, 'cert.pem'), opts.tls.certPem);
    writeFileSync(join(dir, 'key.pem'), opts.tls.keyPem, { mode: 0o600 });
  }
  const conf = [
    'protocols = imap',
    'listen = 127.0.0.1',
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    'log_path = /dev/stderr',
    ...(opts.tls ? ['ssl = yes', `ssl_cert = <${dir}/cert.pem`, `ssl_key = <${dir}/key.pem`] : ['ssl = no']),
    'disable_plaintext_auth = no',
    ...(opts.accounts ?? anyone)(dir, mailUser),
    `first_valid_uid = ${mailUser.uid}`,
    `first_valid_gid = ${mailUser.gid}`,
    `default_internal_user = ${asRoot ? 'dovecot' : me}`,
    `default_login_user = ${asRoot ? 'dovenull' : me}`,
    'service imap-login {',
    `  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }`,
    `  inet_listener imaps {\n    port = ${tlsPort}\n  }`,
    ...(asRoot ? [] : ['  chroot =']),
    '}',
    ...(asRoot ? [] : ['service anvil {\n  chroot =\n}']),
  ];
  const file = join(dir, 'dovecot.conf');
  writeFileSync(file, conf.join('\n') + '\n');
  return { file, mailUser };
}

/** Starts Dovecot in the foreground and resolves once its master process has its listeners up. */
export async function launchDovecot(opts: DovecotOptions = {}): Promise<Dovecot> {
  const version = execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim();
  const dir = mkdtempSync(join(tmpdir(), 'mf-dovecot-'));
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : 0;
  const { file, mailUser } = writeConfig(dir, port, tlsPort, opts);
  const child: ChildProcess = spawn('dovecot', ['-F', '-c', file], { stdio: ['ignore', 'ignore', 'pipe'] });
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
  return { port, tlsPort, version, dir, mailUser, stop };
}

/**
 * Dovecot for one test, stopped when it ends. Without Dovecot the test is skipped,
 * or fails with CI=true (.ci/run installs dovecot-imapd).
 */
export async function startDovecot(t: TestContext, opts: DovecotOptions = {}): Promise<Dovecot | null> {
  try {
    execFileSync('sh', ['-c', 'command -v dovecot'], { stdio: 'ignore' });
  } catch {
    if (process.env.CI === 'true') throw new Error('dovecot is not installed (.ci/run installs dovecot-imapd)');
    t.skip('dovecot is not installed');
    return null;
  }
  const dovecot = await launchDovecot(opts);
  t.after(() => dovecot.stop());
  return dovecot;
}
