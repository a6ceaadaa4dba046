import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ok } from './helpers/cli.ts';
import { BIN, exited, ROOT, runCli, tempDir } from './helpers/env.ts';
import { createStoreIn } from './helpers/store.ts';

const CORPUS_MBOX = join(ROOT, 'test/fixtures/corpus/mbox/content-length.mbox');

/** A data dir with one account, used by the CLI with the store opened directly (no server). */
async function account(t: TestContext) {
  const dir = tempDir(t);
  const cli = (args: string[], input?: string) => runCli(['--data-dir', join(dir, 'data'), ...args], { cwd: dir, input });
  await createStoreIn(join(dir, 'data'));
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', 'a@example.org', '--password-stdin'], 'correct horse battery\n'));
  return { dir, cli };
}

/** The stored messages of a mailbox, in UID order, as an export to a Maildir writes them. */
async function stored(t: TestContext, cli: (args: string[]) => ReturnType<typeof runCli>, mailbox: string): Promise<{ name: string; raw: Buffer }[]> {
  const out = join(tempDir(t), 'export');
  await ok(cli(['export', 'a@example.org', out, '--format', 'maildir', '--mailbox', mailbox]));
  const dir = join(out, mailbox === 'INBOX' ? '' : `.${mailbox}`, 'cur');
  return readdirSync(dir).sort().map((name) => ({ name, raw: readFileSync(join(dir, name)) }));
}

async function messageCount(cli: (args: string[]) => ReturnType<typeof runCli>, mailbox: string): Promise<number> {
  const list = JSON.parse((await ok(cli(['--json', 'mailbox', 'list', 'a@example.org']))).stdout) as { name: string; messages: number }[];
  return list.find((m) => m.name === mailbox)!.messages;
}

test('the corpus mbox: every message as Python\'s mailbox module splits it, state headers read into flags', async (t) => {
  const { cli } = await account(t);
  const result = await ok(cli(['import', 'a@example.org', CORPUS_MBOX]));
  assert.match(result.stdout, /^29 messages imported/m);
  // Python's reader splits at From_ lines only; where a Content-Length marks the end, ours
  // keeps the body as counted (no `>From ` unescaping, the last line end per the length).
  const expected = JSON.parse(
    execFileSync('python3', ['-c', `
import mailbox, re, json, sys
out = []
for key in mailbox.mbox(sys.argv[1]).keys():
    b = mailbox.mbox(sys.argv[1]).get_bytes(key)
    head, sep, body = b.partition(b'\\n\\n')
    counted = re.search(rb'^Content-Length:', head, re.M | re.I) is not None
    head = re.sub(rb'^(Status|X-Status|X-Keywords):.*\\n', b'', head + b'\\n', flags=re.M | re.I)[:-1]
    b = head + sep + body
    if not counted:
        b = re.sub(rb'^>(>*From )', rb'\\1', b, flags=re.M)
    out.append(re.sub(rb'\\r?\\n', b'\\r\\n', b).rstrip(b'\\r\\n').decode('latin1'))
print(json.dumps(out))
`, CORPUS_MBOX], { maxBuffer: 16 << 20 }).toString(),
  ) as string[];
  const messages = await stored(t, cli, 'INBOX');
  assert.equal(messages.length, expected.length);
  messages.forEach((m, i) => {
    const ours = m.raw.toString('latin1').replace(/(\r\n)+$/, '');
    assert.ok(ours === expected[i] || ours === expected[i]!.replace(/^>(>*From )/gm, '$1'), `message ${i + 1} differs from Python's`);
  });
  assert.ok(messages.every((m) => !/^(Status|X-Status):/im.test(m.raw.toString('latin1').split('\r\n\r\n')[0]!)), 'state fields are read, not kept');
});

test('mboxrd: >From lines lose one >, Status/X-Status/X-Keywords become flags, the From_ date the internal date', async (t) => {
  const { dir, cli } = await account(t);
  const mbox = join(dir, 'in.mbox');
  writeFileSync(mbox, [
    'From alice@example.org Tue Mar 19 10:00:00 2024',
    'Subject: one',
    'Status: RO',
    'X-Status: AF',
    'X-Keywords: project-x, $Label1',
    '',
    '>From the start',
    '>>From deeper',
    'From: not a separator, a header-like body line',
    '',
    'From bob@example.org Wed Mar 20 11:30:00 2024',
    'Subject: two',
    '',
    'second',
    '',
  ].join('\n'));
  await ok(cli(['import', 'a@example.org', mbox, '--mailbox', 'Old']));
  const [one, two] = await stored(t, cli, 'Old');
  assert.equal(one!.raw.toString(), 'Subject: one\r\n\r\nFrom the start\r\n>From deeper\r\nFrom: not a separator, a header-like body line\r\n');
  assert.match(one!.name, /:2,FRSab$/);
  assert.equal(two!.raw.toString(), 'Subject: two\r\n\r\nsecond\r\n');
  const mtime = (name: string) => Number(execFileSync('stat', ['-c', '%Y', name]).toString());
  const out = join(tempDir(t), 'x');
  await ok(cli(['export', 'a@example.org', out, '--format', 'maildir', '--mailbox', 'Old']));
  const files = readdirSync(join(out, '.Old', 'cur')).sort();
  assert.equal(mtime(join(out, '.Old', 'cur', files[0]!)), Date.UTC(2024, 2, 19, 10) / 1000);
  assert.equal(mtime(join(out, '.Old', 'cur', files[1]!)), Date.UTC(2024, 2, 20, 11, 30) / 1000);
  assert.equal(readFileSync(join(out, '.Old', 'dovecot-keywords'), 'utf8'), '0 project-x\n1 $Label1\n');
});

/** An mbox of `total` distinct messages, at `path`. */
function numberedMbox(path: string, total: number): string {
  const parts: string[] = [];
  for (let i = 0; i < total; i++) {
    parts.push(`From sender@example.net Mon Jan  1 00:00:00 2024\nMessage-ID: <n${i}@example.net>\nSubject: number ${i}\n\n${'text '.repeat(100)}\n\n`);
  }
  writeFileSync(path, parts.join(''));
  return path;
}

/** An mbox of `total` distinct messages, and an import of it run until its first progress line, then sent `signal`. */
async function interruptedImport(t: TestContext, total: number, signal: NodeJS.Signals) {
  const { dir, cli } = await account(t);
  const mbox = numberedMbox(join(dir, 'big.mbox'), total);
  const child = spawn(process.execPath, [BIN, '--data-dir', join(dir, 'data'), 'import', 'a@example.org', mbox], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let sent = false;
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (!sent && /^import: [\d,]+ messages/m.test(err)) {
      sent = true;
      child.kill(signal);
    }
  });
  const ended = await exited(child);
  assert.ok(sent, `the import ended before the signal:\n${err}`);
  return { cli, mbox, ended, stderr: () => err };
}

test('an import killed with SIGKILL mid-way resumes without duplicates', async (t) => {
  const total = 3000;
  const { cli, mbox, ended } = await interruptedImport(t, total, 'SIGKILL');
  assert.equal(ended.signal, 'SIGKILL');
  const before = await messageCount(cli, 'INBOX');
  assert.ok(before >= 1000 && before < total, `${before} messages before the kill`);

  const resumed = await ok(cli(['import', 'a@example.org', mbox]));
  const m = /^(\d+) messages imported, (\d+) imported before/m.exec(resumed.stdout)!;
  assert.equal(Number(m[1]) + Number(m[2]), total);
  assert.equal(Number(m[2]), before, 'exactly what was committed counts as imported');
  assert.equal(await messageCount(cli, 'INBOX'), total);
  const ids = new Set((await stored(t, cli, 'INBOX')).map((s) => /Message-ID: <([^>]+)>/.exec(s.raw.toString())![1]));
  assert.equal(ids.size, total, 'no message twice');
  assert.match((await ok(cli(['store', 'check']))).stdout, /clean/);
});

test('Ctrl-C stops an import after its batch and says how to resume', async (t) => {
  const total = 3000;
  const { cli, mbox, ended, stderr } = await interruptedImport(t, total, 'SIGINT');
  assert.equal(ended.code, 130);
  assert.match(stderr(), /interrupted after (\d+) messages; run the same command again/);
  const before = await messageCount(cli, 'INBOX');
  assert.equal(before, Number(/interrupted after (\d+) messages/.exec(stderr())![1]), 'every batch it counted is committed');
  await ok(cli(['import', 'a@example.org', mbox]));
  assert.equal(await messageCount(cli, 'INBOX'), total);
});

test('progress: plain lines in a log, JSON lines with --json, a bar on a terminal (none for an import, whose total is unknown)', async (t) => {
  const { dir, cli } = await account(t);
  const mbox = numberedMbox(join(dir, 'n.mbox'), 1500);
  const plain = await ok(cli(['import', 'a@example.org', mbox, '--mailbox', 'Plain']));
  assert.match(plain.stderr, /^import: 1,000 messages, [\d.]+ KiB, [\d.]+ \w+\/s$/m);
  assert.match(plain.stdout, /^1500 messages imported/m);

  const json = await ok(cli(['--json', 'import', 'a@example.org', mbox, '--mailbox', 'Json']));
  const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; items?: number; result?: { imported: number } });
  assert.ok(lines.slice(0, -1).every((l) => l.event === 'progress' && typeof l.items === 'number'));
  assert.deepEqual([lines.at(-1)!.event, lines.at(-1)!.result!.imported], ['done', 1500]);

  // On a terminal: the bar on stderr, the result after it.
  const onTty = (args: string[]) =>
    execFileSync('python3', [join(ROOT, 'test/fixtures/pty_answer.py'), '[]', process.execPath, BIN, '--data-dir', join(dir, 'data'), ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, MAILFOLD_CONFIG: '', MAILFOLD_DATA: '' } });
  const imported = onTty(['import', 'a@example.org', mbox, '--mailbox', 'Tty']);
  assert.match(imported, /import \| 1,500 messages \| [\d.]+ KiB \| [\d.]+ \w+\/s/);
  assert.doesNotMatch(imported, /left/);
  assert.match(imported, /1500 messages imported/);
  const exported = onTty(['export', 'a@example.org', join(dir, 'out'), '--format', 'mbox', '--mailbox', 'Tty']);
  assert.match(exported, /export \[=+\] 100% \| 1,500 messages \| [\d.]+ KiB \| [\d.]+ \w+\/s \| \d+s left/);
  assert.match(exported, /1500 messages exported/);
});

test('hostile mbox and Maildir input: warnings and refusals, never a crash', async (t) => {
  const { dir, cli } = await account(t);
  const huge = join(dir, 'huge.mbox');
  writeFileSync(huge, Buffer.concat([
    Buffer.from(`From ${'x'.repeat(300_000)} Mon Jan  1 00:00:00 2024\nSubject: long From_ line\n\nbody\n`),
    Buffer.from('From a Mon Jan  1 00:00:00 2024\nSubject: huge line\nContent-Length: 99999999999999\n\n'),
    Buffer.alloc(3 << 20, 'A'),
    Buffer.from('\nFrom b Mon Jan  1 00:00:00 2024\nContent-Length: 5\n\nbinary\0\xff\xfe data and a wrong length\n'),
    Buffer.from(`From k Mon Jan  1 00:00:00 2024\nX-Keywords: ${Array.from({ length: 5000 }, (_, i) => `kw${i}`).join(' ')}\nSubject: 5000 keywords\n\nx\n`),
    Buffer.from('From c Mon Jan  1 00:00:00 2024\n\n'),
    Buffer.from('From d Mon Jan  1 00:00:00 2024\nSubject: no body, no end of line'),
  ]));
  const r = await ok(cli(['import', 'a@example.org', huge, '--mailbox', 'Huge']));
  assert.match(r.stdout, /^5 messages imported/m);
  assert.match(r.stderr, /is empty; skipped/);
  assert.match(r.stderr, /flags kw100 kw101 kw102 kw103 kw104 and 4895 more are not IMAP flags or too many/);

  writeFileSync(join(dir, 'not.mbox'), 'hello\n');
  const notMbox = await cli(['import', 'a@example.org', join(dir, 'not.mbox')]);
  assert.equal(notMbox.code, 1);
  assert.match(notMbox.stderr, /^mailfold: .*not an mbox file/);
  const missing = await cli(['import', 'a@example.org', join(dir, 'nowhere')]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim().split('\n').length, 1);

  const maildir = join(dir, 'Maildir');
  for (const sub of ['cur', 'new', 'tmp', '.bad..level/cur', '.ctl\x01name/cur', '.&bad-utf7/cur', '.ok.child/new']) mkdirSync(join(maildir, sub), { recursive: true });
  const cur = join(maildir, 'cur');
  writeFileSync(join(cur, '1.M1.host:2,S'), 'Subject: fine\n\nfine\n');
  writeFileSync(join(cur, 'weird\nname\tand spaces:2,SZZ!!'), 'Subject: weird name\n\nx\n');
  writeFileSync(join(cur, `${'n'.repeat(200)}:2,abcdefghijklmnopqrstuvwxyz`), 'Subject: every keyword letter, no keywords file\n\nx\n');
  writeFileSync(join(cur, '2.M2.host;2,F'), 'Subject: semicolon separator\n\nx\n');
  writeFileSync(join(cur, '3.M3.host:2,T'), '');
  writeFileSync(join(maildir, 'dovecot-keywords'), '0 ok-keyword\n99 out-of-range\nnot a line\n1 (bad\n');
  symlinkSync('/etc/passwd', join(cur, '4.M4.host:2,S'));
  mkdirSync(join(cur, '5.M5.host:2,S'));
  execFileSync('mkfifo', [join(cur, '6.M6.host:2,S')]);
  writeFileSync(join(maildir, '.ctl\x01name', 'cur', '7:2,'), 'Subject: in a folder with a control character\n\nx\n');
  writeFileSync(join(maildir, '.&bad-utf7', 'cur', '8:2,'), 'Subject: bad UTF-7\n\nx\n');
  writeFileSync(join(maildir, '.ok.child', 'new', '9'), 'Subject: child\n\nx\n');
  const m = await ok(cli(['import', 'a@example.org', maildir, '--mailbox', 'Hostile']));
  assert.match(m.stdout, /^7 messages imported/m);
  assert.match(m.stderr, /not a regular file; skipped/);
  assert.match(m.stderr, /empty hierarchy level; skipped/);
  assert.match(m.stderr, /flags \(bad are not IMAP flags/);
  const names = (JSON.parse((await ok(cli(['--json', 'mailbox', 'list', 'a@example.org']))).stdout) as { name: string }[]).map((b) => b.name);
  for (const name of ['Hostile', 'Hostile/ctlname', 'Hostile/ok/child']) assert.ok(names.includes(name), `${name} in ${names}`);
  assert.ok(names.some((name) => name.startsWith('Hostile/') && name.endsWith('utf7')), 'a folder name that is not modified UTF-7 still imports');
  assert.match((await ok(cli(['store', 'check']))).stdout, /clean/);
});
