/**
 * A private Dovecot as a mail peer of the import and export tests: a passwd-file user with
 * a password, a Maildir or mbox mail location, an imapflow client. The reference server of
 * the wire-form tests is helpers/dovecot.ts.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ImapFlow } from 'imapflow';
import { exited, tempDir } from './env.ts';
import { freePort } from './pebble.ts';
import type { KeyAndCert } from './test-ca.ts';

export const DOVECOT_USER = 'alice';
export const DOVECOT_PASSWORD = 'dovecot-secret';

export interface Dovecot {
  port: number;
  /** With `tls`: the implicit-TLS (imaps) port; else 0. */
  tlsPort: number;
  dir: string;
  /** The user and group Dovecot reads and writes mail as: a directory given to `mailLocation` must be theirs. */
  mailUid: number;
  mailGid: number;
  /** Where alice's mail is, for a `maildir:` location (the default). */
  mailDir: string;
  client(): Promise<ImapFlow>;
}

/**
 * A real Dovecot (a reference IMAP server) in a temp dir with its own config: one
 * passwd-file user, IMAP on a free loopback port without TLS, special-use folders,
 * stopped when the test ends. `mailLocation` points it at existing mail (an export);
 * `tls` adds an implicit-TLS port serving that certificate.
 */
export async function startDovecot(t: TestContext, opts: { mailLocation?: string; tls?: KeyAndCert } = {}): Promise<Dovecot> {
  const dir = tempDir(t, 'dc-');
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : 0;
  if (opts.tls) {
    writeFileSync(join(dir, 'cert.pem'), opts.tls.certPem);
    writeFileSync(join(dir, 'key.pem'), opts.tls.keyPem, { mode: 0o600 });
  }
  // Dovecot's login and mail processes never run as root: as root, they run as its own users.
  const me = userInfo();
  const root = me.uid === 0;
  const mailUid = root ? Number(execFileSync('id', ['-u', 'dovecot']).toString()) : me.uid;
  const mailGid = root ? Number(execFileSync('id', ['-g', 'dovecot']).toString()) : me.gid;
  chmodSync(dir, 0o755);
  const mailDir = join(dir, 'mail');
  mkdirSync(join(dir, 'home'), { recursive: true });
  mkdirSync(mailDir);
  if (root) for (const d of ['home', 'mail']) chownSync(join(dir, d), mailUid, mailGid);
  writeFileSync(join(dir, 'passwd'), `${DOVECOT_USER}:{PLAIN}${DOVECOT_PASSWORD}::::::\n`);
  const config = [
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = /dev/stderr`,
    `protocols = imap`,
    `listen = 127.0.0.1`,
    ...(opts.tls ? [`ssl = yes`, `ssl_cert = <${dir}/cert.pem`, `ssl_key = <${dir}/key.pem`] : [`ssl = no`]),
    `disable_plaintext_auth = no`,
    `auth_mechanisms = plain login`,
    ...(root ? [] : [`default_login_user = ${me.username}`, `default_internal_user = ${me.username}`]),
    `first_valid_uid = ${Math.min(mailUid, 500)}`,
    `first_valid_gid = ${Math.min(mailGid, 500)}`,
    `mail_location = ${opts.mailLocation ?? `maildir:${mailDir}`}`,
    `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN ${dir}/passwd\n}`,
    `userdb {\n  driver = static\n  args = uid=${mailUid} gid=${mailGid} home=${dir}/home\n}`,
    `service imap-login {\n  inet_listener imap {\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = ${tlsPort}\n  }\n}`,
    `service anvil {\n  chroot =\n}`,
    `service imap-login {\n  chroot =\n}`,
    `namespace inbox {\n  inbox = yes\n  mailbox "Sent Messages" {\n    special_use = \\Sent\n  }\n  mailbox Drafts {\n    special_use = \\Drafts\n  }\n  mailbox Junk {\n    special_use = \\Junk\n  }\n  mailbox "All Mail" {\n    special_use = \\All\n  }\n}`,
  ].join('\n');
  const file = join(dir, 'dovecot.conf');
  writeFileSync(file, config + '\n');
  const child = spawn('dovecot', ['-F', '-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(async () => {
    child.kill('SIGTERM');
    await exited(child);
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    let ready = false;
    // Read on after the start too, so that Dovecot never blocks on a full pipe.
    const onData = (d: Buffer) => {
      if (ready) return;
      out += d.toString();
      if (/starting up/.test(out)) {
        ready = true;
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`dovecot exited with ${code} before it was ready:\n${out}`)));
  });
  const client = async () => {
    const c = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user: DOVECOT_USER, pass: DOVECOT_PASSWORD }, logger: false });
    c.on('error', () => {});
    await c.connect();
    t.after(() => c.close());
    return c;
  };
  return { port, tlsPort, dir, mailDir, mailUid, mailGid, client };
}
