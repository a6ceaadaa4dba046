import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { deriveScramKeys } from '../src/auth/scram.ts';
import { addAccount, deliver, imapflow, PASSWORD, startImapServer } from './helpers/imap.ts';
import { tempDir } from './helpers/env.ts';
import { requireTool } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

const USER = 'alice@example.org';

function mbsync(configFile: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile('mbsync', ['-c', configFile, '-a'], { timeout: 120_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: `${stdout}${stderr}` }),
    ),
  );
}

/** The messages of one Maildir folder: file name -> Maildir flags (the letters after `:2,`). */
function maildir(root: string, folder: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const sub of ['cur', 'new']) {
    const dir = join(root, folder, sub);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) out.set(join(sub, name), /:2,([A-Z]*)$/.exec(name)?.[1] ?? '');
  }
  return out;
}

const subjectOf = (root: string, folder: string, file: string): string => /^Subject: (.*)$/m.exec(readFileSync(join(root, folder, file), 'latin1'))?.[1] ?? '';

test('mbsync: a populated account to a local Maildir and back (new folders, flags, deletions)', async (t) => {
  if (!requireTool(t, 'mbsync')) return;
  const { store, port, tlsPort } = await startImapServer(t);
  const account = await addAccount(store, USER);
  // As `mailfold user add` makes it: mbsync (through Cyrus SASL) picks SCRAM-SHA-256 when offered.
  await store.updateAccount(USER, { scram: deriveScramKeys(PASSWORD) });
  for (const subject of ['one', 'two', 'three']) await deliver(store, USER, message(subject, `Body of ${subject}.\r\n`));
  await store.createMailbox(account.id, 'Projects/2026');
  const setup = await imapflow(t, port, USER);
  const count = async (mailbox: string) => {
    const status = await setup.status(mailbox, { messages: true });
    return status ? status.messages : -1;
  };
  await setup.append('Projects/2026', message('plan'), ['\\Flagged']);
  await setup.append('Archive', message('old', 'x'.repeat(100_000) + '\r\n'), ['\\Seen']);

  const dir = tempDir(t);
  const local = join(dir, 'mail');
  mkdirSync(local);
  const configFile = join(dir, 'mbsyncrc');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, (await store.getCertificate('localhost'))!.certPem);
  writeFileSync(
    configFile,
    [
      'IMAPAccount mailfold',
      // Over port 993 with the certificate checked, as a real setup would be.
      'Host localhost',
      `Port ${tlsPort}`,
      `User ${USER}`,
      `Pass "${PASSWORD}"`,
      'SSLType IMAPS',
      `CertificateFile ${caFile}`,
      '',
      'IMAPStore remote',
      'Account mailfold',
      '',
      'MaildirStore local',
      `Path ${local}/`,
      `Inbox ${local}/INBOX`,
      'SubFolders Verbatim',
      '',
      'Channel all',
      'Far :remote:',
      'Near :local:',
      'Patterns *',
      'Create Both',
      'Expunge Both',
      'SyncState *',
      '',
    ].join('\n'),
  );

  // First run: everything comes down, folder tree included.
  let run = await mbsync(configFile);
  assert.equal(run.code, 0, run.out);
  assert.doesNotMatch(run.out, /error|warning/i);
  const inbox = maildir(local, 'INBOX');
  assert.equal(inbox.size, 3);
  assert.deepEqual([...maildir(local, 'Projects/2026').values()], ['F']);
  assert.deepEqual([...maildir(local, 'Archive').values()], ['S']);
  for (const folder of ['Sent', 'Drafts', 'Trash', 'Junk']) assert.ok(existsSync(join(local, folder, 'cur')), folder);

  // Local changes: flag one, delete one, a new folder with a message in it.
  const files = [...inbox.keys()].sort((a, b) => subjectOf(local, 'INBOX', a).localeCompare(subjectOf(local, 'INBOX', b)));
  const [one, , two] = files as [string, string, string];
  renameSync(join(local, 'INBOX', one), join(local, 'INBOX', 'cur', `${one.split('/')[1]!.replace(/:2,.*$/, '')}:2,FS`));
  rmSync(join(local, 'INBOX', two));
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(local, 'Local', sub), { recursive: true });
  writeFileSync(join(local, 'Local', 'new', '1700000000.1.host'), message('made offline', 'Written without a connection.\r\n'));
  // Server changes meanwhile: a new message, a flag, a deletion.
  await deliver(store, USER, message('four'));
  await setup.mailboxOpen('INBOX');
  await setup.messageFlagsAdd({ subject: 'three' }, ['\\Answered']);
  await setup.mailboxOpen('Archive');
  await setup.messageDelete('1:*');
  await setup.mailboxClose();

  run = await mbsync(configFile);
  assert.equal(run.code, 0, run.out);
  assert.doesNotMatch(run.out, /error|warning/i);

  // The server has the local changes.
  await setup.mailboxOpen('INBOX');
  const remote = await setup.fetchAll('1:*', { envelope: true, flags: true });
  assert.deepEqual(
    remote.map((m) => [m.envelope?.subject, [...(m.flags ?? [])].sort()]).sort(),
    [['four', []], ['one', ['\\Flagged', '\\Seen']], ['three', ['\\Answered']]],
  );
  assert.equal(await count('Local'), 1);
  await setup.mailboxOpen('Local');
  const offline = await setup.fetchOne('1', { envelope: true, source: true });
  assert.ok(offline);
  assert.equal(offline.envelope?.subject, 'made offline');
  assert.match(offline.source!.toString(), /Written without a connection\./);
  await setup.mailboxClose();

  // The Maildir has the server's changes.
  const after = new Map([...maildir(local, 'INBOX')].map(([file, flags]) => [subjectOf(local, 'INBOX', file), flags]));
  assert.deepEqual(Object.fromEntries(after), { one: 'FS', three: 'R', four: '' });
  assert.equal(maildir(local, 'Archive').size, 0);

  // A third run finds nothing to do and changes nothing.
  run = await mbsync(configFile);
  assert.equal(run.code, 0, run.out);
  assert.equal(maildir(local, 'INBOX').size, 3);
  assert.equal(await count('INBOX'), 3);
});
