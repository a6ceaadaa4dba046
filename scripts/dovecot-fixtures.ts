/**
 * Regenerates test/fixtures/corpus/dovecot-expected.json: what Debian's Dovecot
 * answers to FETCH (ENVELOPE BODYSTRUCTURE BODY) for every corpus message, so the
 * MIME indexer can be compared with it without Dovecot at test time.
 *
 *   apt-get install -y dovecot-imapd
 *   node_modules/.bin/node scripts/dovecot-fixtures.ts [MESSAGES_DIR OUT_FILE]
 *
 * It runs a private Dovecot (own config, 127.0.0.1, a free port, a temp dir), APPENDs
 * the messages over a raw IMAP connection, fetches the answers and stops Dovecot.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseImapValues } from '../src/mime/imap-value.ts';
import type { ImapValue } from '../src/mime/types.ts';

const root = join(import.meta.dirname, '..');
// Optional arguments (for probing other messages): MESSAGES_DIR OUT_FILE.
const corpusDir = process.argv[2] ?? join(root, 'test/fixtures/corpus/messages');
const outFile = process.argv[3] ?? join(root, 'test/fixtures/corpus/dovecot-expected.json');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
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
log_path = ${dir}/dovecot.log
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
  args = password=fixtures
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

/** A minimal IMAP client: sends commands, collects complete responses (with literals). */
class Imap {
  private buf = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private tagSeq = 0;
  private closed = false;
  private readonly sock: net.Socket;

  constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiting?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
  }

  /** The next complete response (line plus any literals), as latin1 without the final CRLF. */
  async response(): Promise<string> {
    for (;;) {
      const end = this.completeLength();
      if (end >= 0) {
        const text = this.buf.subarray(0, end - 2).toString('latin1');
        this.buf = this.buf.subarray(end);
        return text;
      }
      if (this.closed) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = null;
    }
  }

  private completeLength(): number {
    let pos = 0;
    for (;;) {
      const lf = this.buf.indexOf('\r\n', pos, 'latin1');
      if (lf < 0) return -1;
      const m = /\{(\d+)\}$/.exec(this.buf.subarray(pos, lf).toString('latin1'));
      if (!m) return lf + 2;
      pos = lf + 2 + Number(m[1]);
      if (pos > this.buf.length) return -1;
    }
  }

  /** Sends a command (a Buffer may carry literals) and returns its untagged responses. */
  async command(cmd: Buffer | string): Promise<string[]> {
    const tag = `A${++this.tagSeq}`;
    this.sock.write(Buffer.concat([Buffer.from(`${tag} `), Buffer.isBuffer(cmd) ? cmd : Buffer.from(cmd, 'latin1'), Buffer.from('\r\n')]));
    const untagged: string[] = [];
    for (;;) {
      const r = await this.response();
      if (r.startsWith(`${tag} `)) {
        if (!r.startsWith(`${tag} OK`)) throw new Error(`${cmd.toString().slice(0, 60)}: ${r}`);
        return untagged;
      }
      untagged.push(r);
    }
  }
}

async function connect(port: number): Promise<net.Socket> {
  for (let i = 0; ; i++) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', reject);
      });
    } catch (err) {
      if (i > 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** The named items of a `* n FETCH (...)` response. */
function fetchItems(resp: string): Map<string, ImapValue> {
  const values = parseImapValues(resp);
  const list = values[3];
  if (values[0] !== '*' || values[2] !== 'FETCH' || !Array.isArray(list)) throw new Error(`not a FETCH response: ${resp.slice(0, 80)}`);
  const items = new Map<string, ImapValue>();
  for (let i = 0; i + 1 < list.length; i += 2) items.set(String(list[i]), list[i + 1]!);
  return items;
}

async function main(): Promise<void> {
  const files = readdirSync(corpusDir).filter((f) => f.endsWith('.eml')).sort();
  const dir = mkdtempSync(join(tmpdir(), 'mailfold-dovecot-'));
  const port = await freePort();
  const conf = writeConfig(dir, port);
  const version = execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim();
  let dovecot: ChildProcess | null = null;
  try {
    dovecot = spawn('dovecot', ['-F', '-c', conf], { stdio: ['ignore', 'inherit', 'inherit'] });
    const imap = new Imap(await connect(port));
    const greeting = await imap.response();
    if (!greeting.startsWith('* OK')) throw new Error(`greeting: ${greeting}`);
    await imap.command('LOGIN fixtures fixtures');
    for (const f of files) {
      const raw = readFileSync(join(corpusDir, f));
      // LITERAL+ avoids a continuation round trip; NULs need a BINARY literal8.
      const marker = raw.includes(0) ? '~' : '';
      await imap.command(Buffer.concat([Buffer.from(`APPEND INBOX ${marker}{${raw.length}+}\r\n`), raw]));
    }
    await imap.command('SELECT INBOX');
    const responses = await imap.command('UID FETCH 1:* (UID RFC822.SIZE ENVELOPE BODYSTRUCTURE BODY BODY.PEEK[])');
    const messages: Record<string, unknown> = {};
    for (const resp of responses) {
      if (!/^\* \d+ FETCH /.test(resp)) continue;
      const items = fetchItems(resp);
      const uid = items.get('UID') as number;
      const file = files[uid - 1]!;
      const stored = Buffer.from(items.get('BODY[]') as string, 'latin1');
      messages[file] = {
        size: items.get('RFC822.SIZE'),
        sha256: createHash('sha256').update(stored).digest('hex'),
        envelope: items.get('ENVELOPE'),
        bodyStructure: items.get('BODYSTRUCTURE'),
        body: items.get('BODY'),
      };
    }
    await imap.command('LOGOUT').catch(() => undefined);
    if (Object.keys(messages).length !== files.length) throw new Error(`fetched ${Object.keys(messages).length} of ${files.length}`);
    const out = {
      comment: 'Generated by scripts/dovecot-fixtures.ts: Dovecot FETCH answers for test/fixtures/corpus/messages. Strings are latin1 byte-strings. sha256/size are of BODY[] as Dovecot serves it.',
      dovecot: version,
      messages,
    };
    writeFileSync(outFile, JSON.stringify(out, null, 1) + '\n');
    console.log(`wrote ${outFile}: ${files.length} messages, Dovecot ${version}`);
  } finally {
    dovecot?.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
