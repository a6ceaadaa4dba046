/**
 * `mailfold store copy --from level:DIR --to postgres://...`: an installation seeded over
 * real protocols (SMTP, IMAP APPEND with flags, a Sieve script, an app password) is
 * copied and then served from PostgreSQL, where imapflow and Python's poplib read the
 * same UIDs, flags and bytes and the old passwords log in; a copy killed with SIGKILL
 * mid-way is run again and ends identical to the source; wrong URLs, a source in use
 * and a target holding other data are refused.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import type { ImapFlow } from 'imapflow';
import { openLevelStore } from '../src/store/level/store.ts';
import { openPostgresStore } from '../src/store/postgres/store.ts';
import { StoreError, type Store } from '../src/store/types.ts';
import { BIN, exited, runCli, tempDir } from './helpers/env.ts';
import { deliver, imapflow, PASSWORD } from './helpers/imap.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { serveOnFreePorts } from './helpers/serve.ts';
import { SmtpClient } from './helpers/smtp.ts';
import { collect, createStoreIn } from './helpers/store.ts';

const database = postgresForFile();
const ALICE = 'alice@example.org';
const storeToml = (url: string) => `[store]\nbackend = "postgres"\nurl = "${url}"\ntls = "off"\n`;
const pgOptions = (url: string) => ({ url, poolSize: 2, tls: { mode: 'off' as const }, chunkSize: 65536 });

async function sendMail(port: number, id: string, subject: string): Promise<void> {
  const smtp = await SmtpClient.connect(port);
  try {
    await smtp.hello();
    assert.match(await smtp.cmd('MAIL FROM:<bob@example.net>'), /^250/);
    assert.match(await smtp.cmd(`RCPT TO:<${ALICE}>`), /^250/);
    assert.match(await smtp.data(`From: bob@example.net\r\nTo: ${ALICE}\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\n\r\nHello from ${id}.\r\n`), /^250/);
  } finally {
    smtp.close();
  }
}

interface Seen {
  subscribed: boolean;
  uidValidity: string;
  uidNext: number;
  highestModseq: string;
  messages: { uid: number; flags: string[]; date: string; source: string }[];
}

/** What an IMAP client sees of each mailbox: the figures and every message's UID, flags, INTERNALDATE and bytes. */
async function snapshot(client: ImapFlow): Promise<Map<string, Seen>> {
  const out = new Map<string, Seen>();
  for (const { path, subscribed } of await client.list()) {
    const box = await client.mailboxOpen(path, { readOnly: true });
    const messages = [];
    if (box.exists > 0) {
      for await (const m of client.fetch('1:*', { uid: true, flags: true, internalDate: true, source: true })) {
        messages.push({ uid: m.uid, flags: [...(m.flags ?? [])].sort(), date: String(m.internalDate), source: m.source!.toString('base64') });
      }
    }
    out.set(path, { subscribed, uidValidity: String(box.uidValidity), uidNext: box.uidNext, highestModseq: String(box.highestModseq), messages });
  }
  return out;
}

/** Every message of INBOX over POP3, by Python's poplib, as base64 lines. */
async function pop3Bodies(port: number, user: string, password: string): Promise<string[]> {
  const script = `import poplib, base64, sys
p = poplib.POP3('127.0.0.1', ${port})
p.user(sys.argv[1]); p.pass_(sys.argv[2])
for i in range(1, len(p.list()[1]) + 1):
    print(base64.b64encode(b'\\r\\n'.join(p.retr(i)[1]) + b'\\r\\n').decode())
p.quit()`;
  const { stdout } = await promisify(execFile)('python3', ['-c', script, user, password]);
  return stdout.trim().split('\n').filter(Boolean);
}

test('a LevelDB installation seeded over SMTP, IMAP, Sieve and an app password is served from PostgreSQL after store copy', async (t) => {
  const url = await database(t);
  if (!url) return;
  const dir = tempDir(t);
  await createStoreIn(join(dir, 'data'));
  const level = await serveOnFreePorts(t, dir);
  const cli = (args: string[], input?: string) => runCli(['--config', level.config, ...args], { cwd: dir, input });
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);
  assert.equal((await cli(['user', 'admin', ALICE])).code, 0);
  assert.equal((await cli(['user', 'quota', ALICE, '--bytes', '50M', '--messages', '1000'])).code, 0);
  const app = await cli(['user', 'app-password', 'add', ALICE, 'phone']);
  const appPassword = app.stdout.trim().split('\n').at(-1)!;
  assert.equal(app.code, 0, app.stderr);
  const script = 'require "fileinto";\nif header :contains "subject" "sieve-me" { fileinto "Lists"; }\n';
  const dropped = await runCli(['--config', level.config, 'sieve', 'put', ALICE, 'rules', '--activate'], { cwd: dir, input: script });
  assert.equal(dropped.code, 0, dropped.stderr);

  for (let i = 1; i <= 4; i++) await sendMail(level.ports.smtp, `m${i}@example.net`, `message ${i}`);
  const client = await imapflow(t, level.ports.imap, ALICE);
  await client.mailboxCreate('Lists');
  await client.append('INBOX', 'From: me@example.org\r\nSubject: appended\r\n\r\nA draft with \u00e9.\r\n', ['\\Seen', '$Important'], new Date('2024-02-03T04:05:06Z'));
  await client.append('Lists', 'Subject: listed\r\n\r\nIn a folder.\r\n', ['\\Flagged']);
  await client.mailboxOpen('INBOX');
  await client.messageFlagsAdd('2', ['\\Answered', 'custom-word']);
  await client.messageFlagsAdd('3', ['\\Deleted']);
  await client.messageDelete('3');
  await client.mailboxSubscribe('Lists');
  await sendMail(level.ports.smtp, 'sorted@example.net', 'sieve-me please');
  const before = await snapshot(client);
  await client.logout();
  level.child.kill('SIGTERM');
  await exited(level.child);

  const copy = await cli(['store', 'copy', '--from', `level:${join(dir, 'data')}`, '--to', url]);
  assert.equal(copy.code, 0, copy.stderr);
  assert.match(copy.stderr, /copying store: \d+\/6 messages, \d+ messages\/s/);
  assert.match(copy.stdout, /copied 1 account\(s\), \d+ mailbox\(es\), 6 message\(s\)/);

  const pgDir = tempDir(t);
  const pg = await serveOnFreePorts(t, pgDir, { extra: storeToml(url) });
  const reader = await imapflow(t, pg.ports.imap, ALICE);
  const after = await snapshot(reader);
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort());
  for (const [path, seen] of before) assert.deepEqual(after.get(path), seen, `mailbox ${path}`);
  assert.ok(before.get('Lists')!.messages.length === 2, 'the Sieve script filed a message before the copy');
  assert.ok(before.get('Lists')!.subscribed);
  await reader.logout();

  // The script still runs, and the next UID follows the source's.
  await sendMail(pg.ports.smtp, 'after@example.net', 'sieve-me again');
  const again = await imapflow(t, pg.ports.imap, ALICE);
  const lists = await again.mailboxOpen('Lists');
  assert.equal(lists.exists, 3);
  const last = await again.fetchOne('*', { uid: true });
  assert.equal(last && last.uid, before.get('Lists')!.uidNext);
  await again.logout();

  const viaApp = await imapflow(t, pg.ports.imap, ALICE, { extra: { auth: { user: ALICE, pass: appPassword } } });
  await viaApp.logout();
  const popped = await pop3Bodies(pg.ports.pop3, ALICE, PASSWORD);
  assert.deepEqual(popped, before.get('INBOX')!.messages.map((m) => m.source));

  const pgCli = (args: string[]) => runCli(['--config', pg.config, ...args], { cwd: pgDir });
  const shown = await pgCli(['--json', 'user', 'show', ALICE]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /"admin": true/);
  assert.match(shown.stdout, /"quotaMessages": 1000/);
  assert.match((await pgCli(['sieve', 'list', ALICE])).stdout, /rules\s+yes/);
  const check = await pgCli(['store', 'check']);
  assert.equal(check.code, 0, check.stderr);
});

/** A store of `count` messages in two mailboxes, written through the store API (faster than SMTP). */
async function seededStore(dataDir: string, count: number): Promise<void> {
  const store = await openLevelStore(dataDir, { sync: false, chunkSize: 4096 });
  try {
    await store.addDomain('example.org');
    await store.addAccount({ address: ALICE, passwordHash: 'x', quotaBytes: 0, quotaMessages: 0 });
    const account = (await store.getAccount(ALICE))!;
    const archive = await store.createMailbox(account.id, 'Projects');
    for (let i = 0; i < count; i++) await deliver(store, ALICE, `Subject: n${i}\r\nMessage-ID: <n${i}@x>\r\n\r\n${'body '.repeat(i % 50)}${i}\r\n`);
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    await store.copyMessages(inbox.id, [1, 2, 3], archive.id, { enforceQuota: false });
    await store.storeFlags(inbox.id, [4, 5], 'add', ['\\Seen', 'kw']);
    await store.expunge(inbox.id, [6]);
    await store.putCertificate('mail.example.org', { keyPem: 'k', certPem: 'c', source: 'self-signed' });
  } finally {
    await store.close();
  }
}

/** Every mailbox and message of ALICE, with each message's bytes, from a store's roles. */
async function everything(store: Store): Promise<unknown> {
  const account = (await store.getAccount(ALICE))!;
  const out = [];
  for (const mailbox of await store.listMailboxes(account.id)) {
    const messages = [];
    for (const m of await store.listMessages(mailbox.id)) messages.push({ ...m, bytes: (await collect(store.readMessage(m))).toString('base64') });
    out.push({ mailbox, messages, expunged: await store.expungedSince(mailbox.id, 0) });
  }
  // An account made before roles existed has no admin field: the same as false.
  return { account: { ...account, admin: account.admin === true }, out, certificate: await store.getCertificate('mail.example.org') };
}

test('a copy killed with SIGKILL is refused by serve, then run again ends identical to the source', async (t) => {
  const url = await database(t);
  if (!url) return;
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  await seededStore(dataDir, 2500);
  const copyArgs = ['--data-dir', dataDir, '--json', 'store', 'copy', '--from', `level:${dataDir}`, '--to', url];

  const child = spawn(process.execPath, [BIN, ...copyArgs], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let pending = '';
  child.stdout.on('data', (data: Buffer) => {
    pending += data.toString();
    // Killed once the first batch of messages is committed: the copy is then part-way.
    if (/"phase":"messages"/.test(pending) && child.exitCode === null) child.kill('SIGKILL');
  });
  assert.equal((await exited(child)).signal, 'SIGKILL');

  await assert.rejects(openPostgresStore(pgOptions(url)), (err: unknown) => err instanceof StoreError && err.code === 'locked' && /unfinished/.test(err.message));

  const resumed = await runCli(copyArgs, { cwd: dir });
  assert.equal(resumed.code, 0, resumed.stderr);
  const done = JSON.parse(resumed.stdout.trim().split('\n').at(-1)!) as { result: { messages: number; skipped: number } };
  assert.equal(done.result.messages, 2502);
  assert.ok(done.result.skipped > 0 && done.result.skipped < 2502, `resumed after ${done.result.skipped}`);

  const source = await openLevelStore(dataDir, { sync: true, chunkSize: 4096 });
  const expected = await everything(source);
  assert.deepEqual(await source.check({ repair: false }), []);
  await source.close();
  const target = await openPostgresStore(pgOptions(url));
  t.after(() => target.close());
  assert.deepEqual(await everything(target), expected);
  assert.deepEqual(await target.check({ repair: false }), []);

  const twice = await runCli(copyArgs.filter((a) => a !== '--json'), { cwd: dir });
  assert.equal(twice.code, 0, twice.stderr);
  assert.match(twice.stdout, /finished already; nothing to do/);
});

test('store copy refuses wrong URLs, a source in use, and a target holding another installation', async (t) => {
  const url = await database(t);
  if (!url) return;
  const dir = tempDir(t);
  const dataDir = join(dir, 'data');
  await seededStore(dataDir, 3);
  const copy = (args: string[]) => runCli(['--data-dir', dataDir, 'store', 'copy', ...args], { cwd: dir });
  const refused = async (args: string[], pattern: RegExp) => {
    const r = await copy(args);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, pattern);
    return r;
  };
  await refused(['--from', `level:${dataDir}`, '--to', 'mysql://db/mail'], /--to: expected a postgres:/);
  await refused(['--from', `level:${dataDir}`], /required option '--to/);
  await refused(['--from', join(dir, 'nowhere'), '--to', url], /--from: expected level:DIR/);
  await refused(['--from', `level:${join(dir, 'nowhere')}`, '--to', url], /there is no store in/);
  await refused(['--from', url, '--to', url], /copying out of PostgreSQL is not supported/);
  const badPassword = url.replace(/:[^:@/]+@/, ':wrong-secret@');
  const wrong = await refused(['--from', `level:${dataDir}`, '--to', badPassword], /cannot open the PostgreSQL database at postgres:\/\/postgres:\*\*\*@/);
  assert.doesNotMatch(wrong.stderr, /wrong-secret/);

  // A target with another installation's data.
  const other = await openPostgresStore(pgOptions(url));
  await other.addDomain('other.example');
  await other.close();
  await refused(['--from', `level:${dataDir}`, '--to', url], /already holds mail data; copy only into an empty database/);
  const untouched = await openPostgresStore(pgOptions(url));
  assert.deepEqual((await untouched.listDomains()).map((d) => d.name), ['other.example']);
  await untouched.close();

  // A source in use by a server.
  const served = await serveOnFreePorts(t, dir);
  const fresh = await database(t);
  await refused(['--from', `level:${dataDir}`, '--to', fresh!], /is in use by a running server: stop it first/);
  served.child.kill('SIGTERM');
  await exited(served.child);

  // A finished copy of this installation; another installation is then refused there.
  assert.equal((await copy(['--from', `level:${dataDir}`, '--to', fresh!])).code, 0);
  const second = join(dir, 'second');
  await seededStore(second, 1);
  const r = await runCli(['--data-dir', second, 'store', 'copy', '--from', `level:${second}`, '--to', fresh!], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /holds a copy of another installation/);
});
