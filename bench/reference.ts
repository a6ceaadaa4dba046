/**
 * Dovecot+Postfix as the reference: a private Dovecot (IMAP, POP3, LMTP) and a private
 * Postfix (SMTP) in a temp dir, on loopback ports, Postfix delivering into Dovecot by
 * LMTP. Both fsync what they acknowledge (Dovecot with mail_fsync = always, Postfix's
 * queue files always). Needs root and Debian's dovecot-imapd, dovecot-pop3d,
 * dovecot-lmtpd and postfix.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPassword } from '../src/auth/password.ts';
import { address, DOMAIN, freePorts, listening, PASSWORD, type Ports, type Target } from './target.ts';

const BINARIES = ['/usr/sbin/dovecot', '/usr/sbin/postfix', '/usr/lib/dovecot/imap', '/usr/lib/dovecot/pop3', '/usr/lib/dovecot/lmtp'];

/** Why the reference cannot run here, or null when it can. */
export function referenceMissing(): string | null {
  const missing = BINARIES.filter((file) => !existsSync(file));
  if (missing.length > 0) return `not installed: ${missing.join(', ')} (apt-get install dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix)`;
  if (process.getuid?.() !== 0) return 'Dovecot and Postfix are set up as root';
  return null;
}

function uidOf(user: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${user}:`));
  if (!line) throw new Error(`no system user ${user}`);
  const fields = line.split(':');
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** A login service on 127.0.0.1:port, its implicit-TLS twin off. */
const loginService = (protocol: string, port: number) =>
  `service ${protocol}-login {\n  inet_listener ${protocol} {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener ${protocol}s {\n    port = 0\n  }\n}\n`;

export interface ReferenceOptions {
  /** Dovecot's auth cache, so that a login after the first skips argon2id as Mailfold's does. */
  authCache: boolean;
}

/** Size in bytes, ttl; failures are not cached, as Mailfold caches none. */
const AUTH_CACHE = 'auth_cache_size = 10M\nauth_cache_ttl = 1 hour\nauth_cache_negative_ttl = 0\n';

function dovecotConfig(dir: string, ports: Ports, opts: ReferenceOptions): string {
  const vmail = uidOf('dovecot');
  return `
protocols = imap pop3 lmtp
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
${opts.authCache ? AUTH_CACHE : ''}mail_location = maildir:${dir}/mail/%u
mail_fsync = always
first_valid_uid = ${vmail.uid}
first_valid_gid = ${vmail.gid}
default_internal_user = dovecot
default_login_user = dovenull
default_process_limit = 1000
default_client_limit = 5000
mail_max_userip_connections = 1000
passdb {
  driver = passwd-file
  args = ${dir}/users
}
userdb {
  driver = static
  args = uid=${vmail.uid} gid=${vmail.gid} home=${dir}/home/%u
}
${loginService('imap', ports.imap)}${loginService('pop3', ports.pop3)}service lmtp {
  unix_listener lmtp {
    mode = 0666
  }
}
`;
}

function postfixMain(dir: string): string {
  return `
compatibility_level = 3.6
queue_directory = ${dir}/postfix/spool
data_directory = ${dir}/postfix/data
mail_owner = postfix
setgid_group = postdrop
myhostname = localhost
mydomain = localdomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
virtual_mailbox_domains = ${DOMAIN}
virtual_mailbox_maps = static:ok
virtual_transport = lmtp:unix:${dir}/run/lmtp
alias_maps =
alias_database =
local_recipient_maps =
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
message_size_limit = 104857600
default_process_limit = 200
smtputf8_enable = no
maillog_file = ${dir}/postfix.log
maillog_file_prefixes = ${dir}
`;
}

function postfixMaster(ports: Ports): string {
  return [
    `127.0.0.1:${ports.smtp} inet n - n - - smtpd`,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'smtp unix - - n - - smtp',
    'lmtp unix - - n - - lmtp',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'postlog unix-dgram n - n - 1 postlogd',
    '',
  ].join('\n');
}

const pidIn = (file: string): number => Number(readFileSync(file, 'utf8').trim());

export async function startReference(users: string[], opts: ReferenceOptions): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'ref-bench-'));
  chmodSync(dir, 0o755);
  for (const sub of ['run', 'state', 'mail', 'home', 'postfix/spool', 'postfix/data']) mkdirSync(join(dir, sub), { recursive: true });
  const vmail = uidOf('dovecot');
  execFileSync('chown', [`${vmail.uid}:${vmail.gid}`, join(dir, 'mail'), join(dir, 'home')]);
  execFileSync('chown', ['postfix', join(dir, 'postfix/data')]);
  // The same argon2id hash Mailfold stores; Dovecot verifies it with libsodium, which
  // wants the parameters in the order m, t, p.
  const hash = (await hashPassword(PASSWORD)).replace(/m=(\d+),p=(\d+),t=(\d+)/, 'm=$1,t=$3,p=$2');
  writeFileSync(join(dir, 'users'), users.map((u) => `${address(u)}:{ARGON2ID}${hash}\n`).join(''));
  const ports = await freePorts();
  const dovecotConf = join(dir, 'dovecot.conf');
  writeFileSync(dovecotConf, dovecotConfig(dir, ports, opts));
  const postfixDir = join(dir, 'postfix');
  writeFileSync(join(postfixDir, 'main.cf'), postfixMain(dir));
  writeFileSync(join(postfixDir, 'master.cf'), postfixMaster(ports));

  const start = () => {
    execFileSync('/usr/sbin/dovecot', ['-c', dovecotConf], { stdio: 'ignore' });
    execFileSync('/usr/sbin/postfix', ['-c', postfixDir, 'start'], { stdio: 'ignore' });
  };
  const stop = async () => {
    execFileSync('/usr/sbin/postfix', ['-c', postfixDir, 'stop'], { stdio: 'ignore' });
    execFileSync('/usr/bin/doveadm', ['-c', dovecotConf, 'stop'], { stdio: 'ignore' });
    // Both stop asynchronously: wait for the ports to close.
    for (const file of [join(dir, 'run/master.pid'), join(dir, 'postfix/spool/pid/master.pid')]) {
      if (!existsSync(file)) continue;
      const pid = pidIn(file);
      while (existsSync(`/proc/${pid}`)) await new Promise((r) => setTimeout(r, 10));
    }
  };
  start();
  await listening(ports);
  await stop();
  const started = performance.now();
  start();
  await listening(ports);
  const startupMs = performance.now() - started;
  return {
    name: 'Dovecot+Postfix',
    ports,
    startupMs,
    roots: () => [pidIn(join(dir, 'run/master.pid')), pidIn(join(dir, 'postfix/spool/pid/master.pid'))],
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
