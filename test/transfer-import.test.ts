import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ImapFlow } from 'imapflow';
import { ok } from './helpers/cli.ts';
import { DOVECOT_PASSWORD, DOVECOT_USER, startDovecot, type Dovecot } from './helpers/dovecot-peer.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { serveOnFreePorts, type Served } from './helpers/serve.ts';
import { requireTool } from './helpers/smtp.ts';
import { TestCa } from './helpers/test-ca.ts';
import { assertSameMailbox, readMailbox } from './helpers/transfer.ts';

const PASSWORD = 'correct horse battery';

/** A Dovecot account with folders, flags, keywords and dates, filled by APPEND as a client would. */
async function fill(dovecot: Dovecot): Promise<void> {
  const c = await dovecot.client();
  for (const name of ['Work', 'Work.2024', 'Sent Messages', 'Café', 'All Mail']) await c.mailboxCreate(name);
  const message = (n: number, extra = '') =>
    `From: Bob <bob@example.net>\r\nTo: alice@example.org\r\nSubject: message ${n}\r\nMessage-ID: <m${n}@example.net>\r\nDate: Tue, 2 Jan 2024 10:0${n % 10}:00 +0000\r\n${extra}\r\nBody of message ${n}.\r\nFrom here on, a line that mbox must escape.\r\n`;
  const appends: [string, string, string[], string][] = [
    ['INBOX', message(1), ['\\Seen'], '2021-03-04T05:06:07Z'],
    ['INBOX', message(2, 'Content-Type: text/plain; charset=utf-8\r\n'), ['\\Flagged', '$Label1'], '2022-01-01T00:00:00Z'],
    ['INBOX', message(3), ['\\Answered', '\\Draft', 'project-x', '$Forwarded'], '2023-12-31T23:59:59Z'],
    ['INBOX', message(4), [], '2019-07-08T09:10:11Z'],
    ['Work', message(5), ['\\Seen', 'project-x'], '2020-02-02T02:02:02Z'],
    ['Work', message(6), ['\\Deleted', '\\Seen'], '2020-02-03T02:02:02Z'],
    ['Work.2024', message(7), ['$Label2'], '2024-05-06T07:08:09Z'],
    ['Sent Messages', message(8), ['\\Seen'], '2024-06-01T12:00:00Z'],
    ['Café', message(9), ['\\Seen', '\\Flagged'], '2018-01-01T00:00:00Z'],
    // Marked \All, as Gmail's [Gmail]/All Mail is: skipped unless asked for.
    ['All Mail', message(10), [], '2018-02-01T00:00:00Z'],
  ];
  for (const [box, raw, flags, date] of appends) await c.append(box, raw, flags, new Date(date));
}

/** Dovecot's folder names (delimiter `.`) and where an import puts them. */
const MAPPING: [string, string][] = [
  ['INBOX', 'INBOX'],
  ['Work', 'Work'],
  ['Work.2024', 'Work/2024'],
  ['Sent Messages', 'Sent'],
  ['Café', 'Café'],
];

async function ours(t: TestContext, served: Served, user: string): Promise<ImapFlow> {
  const c = new ImapFlow({ host: '127.0.0.1', port: served.ports.imap, secure: false, doSTARTTLS: false, auth: { user, pass: PASSWORD }, logger: false });
  c.on('error', () => {});
  await c.connect();
  t.after(() => c.close());
  return c;
}

type Cli = (args: string[], input?: string, env?: Record<string, string>) => ReturnType<typeof runCli>;

async function serverWithUsers(t: TestContext, users: string[]): Promise<{ served: Served; cli: Cli; dir: string }> {
  const dir = tempDir(t);
  const served = await serveOnFreePorts(t, dir);
  const cli: Cli = (args, input, env) => runCli(['--config', served.config, ...args], { cwd: dir, input, env });
  await ok(cli(['domain', 'add', 'example.org']));
  for (const user of users) await ok(cli(['user', 'add', user, '--password-stdin'], `${PASSWORD}\n`));
  return { served, cli, dir };
}

test('import from a real Dovecot over IMAP (server running) and from the Maildir it wrote: same bytes, flags, keywords and dates', async (t) => {
  if (!requireTool(t, 'dovecot')) return;
  const dovecot = await startDovecot(t);
  await fill(dovecot);
  const { served, cli } = await serverWithUsers(t, ['a@example.org', 'b@example.org', 'c@example.org']);
  const url = `imap://${DOVECOT_USER}@127.0.0.1:${dovecot.port}`;

  const first = await ok(cli(['import', 'a@example.org', url, '--password-stdin'], `${DOVECOT_PASSWORD}\n`));
  assert.match(first.stdout, /^9 messages imported, 0 imported before/m);
  assert.match(first.stderr, /All Mail \(\\All\) shows messages kept in other folders; skipped/);
  const theirs = await dovecot.client();
  const a = await ours(t, served, 'a@example.org');
  for (const [from, to] of MAPPING) await assertSameMailbox(theirs, from, a, to);
  const sent = (await a.list()).find((m) => m.path === 'Sent');
  assert.equal(sent?.specialUse, '\\Sent', 'Dovecot\'s \\Sent folder went to ours');

  // Run again: everything is there already, nothing is read twice.
  const again = await ok(cli(['import', 'a@example.org', url, '--password-stdin'], `${DOVECOT_PASSWORD}\n`));
  assert.match(again.stdout, /^0 messages imported, 9 imported before/m);

  // The Maildir Dovecot wrote those messages into, read from disk.
  const fromDisk = await ok(cli(['import', 'b@example.org', dovecot.mailDir]));
  // On disk nothing says All Mail is a view: it is a folder like the others there.
  assert.match(fromDisk.stdout, /^10 messages imported/m);
  const b = await ours(t, served, 'b@example.org');
  for (const [from, to] of MAPPING) await assertSameMailbox(theirs, from, b, to);

  const all = await ok(cli(['import', 'c@example.org', url, '--password-stdin', '--include-all-mail'], `${DOVECOT_PASSWORD}\n`));
  assert.match(all.stdout, /^All Mail -> All Mail: 1 imported/m);
  assert.ok(!(await a.list()).some((m) => m.path === 'All Mail'));

  const wrong = await cli(['import', 'a@example.org', url, '--password-stdin'], 'wrong-password\n');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /refused the login of alice/);
});

test('import over imaps:// from a Dovecot with a private CA: trusted with --ca-file or NODE_EXTRA_CA_CERTS, a wrong certificate refused in one line', async (t) => {
  if (!requireTool(t, 'dovecot')) return;
  const ca = await TestCa.create();
  const dovecot = await startDovecot(t, { tls: await ca.issue(['localhost']) });
  await fill(dovecot);
  const { served, cli, dir } = await serverWithUsers(t, ['a@example.org']);
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.certPem);
  const url = `imaps://${DOVECOT_USER}@localhost:${dovecot.tlsPort}`;
  const password = `${DOVECOT_PASSWORD}\n`;

  const untrusted = await cli(['import', 'a@example.org', url, '--password-stdin'], password);
  assert.equal(untrusted.code, 1);
  assert.match(untrusted.stderr, /^mailfold: localhost:\d+ presented a certificate that is not trusted \(.+\); if it is the right server, pass its CA with --ca-file\n$/);
  // A certificate of the trusted CA, but not for the name connected to.
  const otherName = await cli(['import', 'a@example.org', `imaps://${DOVECOT_USER}@127.0.0.1:${dovecot.tlsPort}`, '--password-stdin', '--ca-file', caFile], password);
  assert.equal(otherName.code, 1);
  assert.match(otherName.stderr, /^mailfold: 127\.0\.0\.1:\d+ presented a certificate that is not trusted \(.*127\.0\.0\.1.*\); .*--ca-file\n$/);
  const notPem = await cli(['import', 'a@example.org', url, '--password-stdin', '--ca-file', served.config], password);
  assert.match(notPem.stderr, /^mailfold: --ca-file .* holds no PEM certificate\n$/);

  const imported = await ok(cli(['import', 'a@example.org', url, '--password-stdin', '--ca-file', caFile], password));
  assert.match(imported.stdout, /^9 messages imported, 0 imported before/m, 'the refused runs imported nothing');
  const theirs = await dovecot.client();
  const a = await ours(t, served, 'a@example.org');
  for (const [from, to] of MAPPING) await assertSameMailbox(theirs, from, a, to);
  const again = await ok(cli(['import', 'a@example.org', url, '--password-stdin'], password, { NODE_EXTRA_CA_CERTS: caFile }));
  assert.match(again.stdout, /^0 messages imported, 9 imported before/m);
});

test('export as Maildir and as mbox: Dovecot reads both, and importing them again gives the same messages', async (t) => {
  if (!requireTool(t, 'dovecot')) return;
  const source = await startDovecot(t);
  await fill(source);
  const { served, cli } = await serverWithUsers(t, ['a@example.org', 'b@example.org', 'c@example.org']);
  await ok(cli(['import', 'a@example.org', `imap://${DOVECOT_USER}@127.0.0.1:${source.port}`, '--password-stdin'], `${DOVECOT_PASSWORD}\n`));
  const out = tempDir(t);
  const maildir = join(out, 'maildir');
  const mbox = join(out, 'mbox');
  const exported = await ok(cli(['export', 'a@example.org', maildir, '--format', 'maildir']));
  assert.match(exported.stdout, /^9 messages exported/m);
  await ok(cli(['export', 'a@example.org', mbox, '--format', 'mbox']));
  const refused = await cli(['export', 'a@example.org', mbox, '--format', 'mbox']);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /is not empty/);

  const a = await ours(t, served, 'a@example.org');
  // Dovecot pointed at each export lists the same folders and messages.
  execFileSync('chown', ['-R', `${source.mailUid}:${source.mailGid}`, out]);
  execFileSync('chmod', ['755', out]);
  const readsMaildir = await startDovecot(t, { mailLocation: `maildir:${maildir}` });
  const dm = await readsMaildir.client();
  const names = (await dm.list()).map((m) => m.path).sort();
  assert.deepEqual(names, ['Archive', 'Café', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash', 'Work', 'Work.2024']);
  for (const [name, path] of [['INBOX', 'INBOX'], ['Work', 'Work'], ['Work/2024', 'Work.2024'], ['Sent', 'Sent'], ['Café', 'Café']]) {
    await assertSameMailbox(a, name!, dm, path!);
  }
  const readsMbox = await startDovecot(t, { mailLocation: `mbox:${mbox}:INBOX=${mbox}/INBOX` });
  const dx = await readsMbox.client();
  // mboxrd escapes `From ` lines and Dovecot does not unescape them: flags and dates must match, bytes may not.
  for (const [name, path] of [['INBOX', 'INBOX'], ['Work', 'Work'], ['Work/2024', 'Work.2024'], ['Sent', 'Sent']]) {
    await assertSameMailbox(a, name!, dx, path!, { bytes: false });
  }
  const inMbox = await readMailbox(dx, 'INBOX');
  assert.ok(inMbox.every((m) => /^Subject: message \d/m.test(m.source.toString())), 'Dovecot parsed every message of the mbox');

  // And back in: the Maildir tree into b, the INBOX mbox into c.
  await ok(cli(['import', 'b@example.org', maildir]));
  await ok(cli(['import', 'c@example.org', join(mbox, 'INBOX')]));
  const b = await ours(t, served, 'b@example.org');
  const c = await ours(t, served, 'c@example.org');
  for (const name of ['INBOX', 'Work', 'Work/2024', 'Sent', 'Café']) await assertSameMailbox(a, name, b, name);
  await assertSameMailbox(a, 'INBOX', c, 'INBOX');
});
