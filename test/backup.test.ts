/**
 * Backup and restore (issue 17) through the real CLI: a backup taken by a running
 * server while SMTP deliveries go on, restored into a new data dir and served again
 * (imapflow compares Message-IDs, UIDVALIDITY, UIDs and flags); incremental chains;
 * corruption found by `backup verify`; restore refused into a used store; a backup
 * killed with SIGKILL or stopped with Ctrl-C leaves nothing that looks like a backup.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ImapFlow } from 'imapflow';
import { deliverMessage } from '../src/delivery/deliver.ts';
import { openLevelStore } from '../src/store/level/store.ts';
import { BIN, exited, runCli, tempDir } from './helpers/env.ts';
import { fails, ok } from './helpers/cli.ts';
import { serveOnFreePorts } from './helpers/serve.ts';
import { SmtpClient } from './helpers/smtp.ts';
import { addAccount, createStoreIn } from './helpers/store.ts';

const PASSWORD = 'correct horse battery';
const ACCOUNTS = ['alice@example.org', 'bob@example.org'];

/** Every key and value of a stopped store, to compare two stores record by record. */
async function allRecords(dataDir: string): Promise<Map<string, string>> {
  const store = await openLevelStore(dataDir, { sync: true, chunkSize: 65536 });
  try {
    const records = new Map<string, string>();
    for await (const [key, value] of store.core.db.iterator()) records.set(key, value.toString('base64'));
    return records;
  } finally {
    await store.close();
  }
}

async function setUp(cli: (args: string[], input?: string) => ReturnType<typeof runCli>, data?: string): Promise<void> {
  if (data) await createStoreIn(data);
  await ok(cli(['domain', 'add', 'example.org']));
  for (const account of ACCOUNTS) await ok(cli(['user', 'add', account, '--password-stdin'], `${PASSWORD}\n`));
}

interface Seen {
  uidValidity: number;
  /** Message-ID → UID and flags. */
  messages: Map<string, { uid: number; flags: string[] }>;
}

/** What a client sees in an account's INBOX. */
async function inboxOf(port: number, user: string): Promise<Seen> {
  const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, doSTARTTLS: false, auth: { user, pass: PASSWORD }, logger: false });
  client.on('error', () => {});
  await client.connect();
  try {
    const mailbox = await client.mailboxOpen('INBOX');
    const messages = new Map<string, { uid: number; flags: string[] }>();
    if (mailbox.exists > 0) {
      for await (const m of client.fetch('1:*', { uid: true, envelope: true, flags: true })) {
        messages.set(m.envelope!.messageId!, { uid: m.uid, flags: [...(m.flags ?? [])].sort() });
      }
    }
    return { uidValidity: Number(mailbox.uidValidity), messages };
  } finally {
    await client.logout();
  }
}

/** Delivers over SMTP to the MX until `stop()` says so; `acked` gets each Message-ID after its 250. */
function smtpLoad(port: number, acked: string[], onAck: () => void) {
  let stopped = false;
  let next = 0;
  const worker = async (n: number) => {
    const smtp = await SmtpClient.connect(port);
    try {
      await smtp.hello();
      while (!stopped) {
        const id = `<load-${n}-${next++}@backup.test>`;
        const to = ACCOUNTS[next % ACCOUNTS.length]!;
        assert.match(await smtp.cmd('MAIL FROM:<load@example.net>'), /^250/);
        assert.match(await smtp.cmd(`RCPT TO:<${to}>`), /^250/);
        const body = `a line of ${id}\r\n`.repeat(1 + (next % 5) * 200);
        assert.match(await smtp.data(`From: load@example.net\r\nTo: ${to}\r\nSubject: ${id}\r\nMessage-ID: ${id}\r\n\r\n${body}`), /^250/);
        acked.push(id);
        onAck();
      }
    } finally {
      smtp.close();
    }
  };
  const running = Promise.all([0, 1, 2].map(worker));
  return { stop: () => ((stopped = true), running) };
}

test('a backup taken by the running server during SMTP deliveries restores every acknowledged message, UIDVALIDITY, UIDs and flags', async (t) => {
  const dir = tempDir(t);
  const served = await serveOnFreePorts(t, dir);
  const cli = (args: string[], input?: string) => runCli(['--config', served.config, ...args], { cwd: dir, input });
  await setUp(cli);

  const acked: string[] = [];
  let wake = () => {};
  const load = smtpLoad(served.ports.smtp, acked, () => wake());
  await new Promise<void>((resolve) => (wake = () => acked.length >= 60 && resolve()));
  // Flags set before the backup must come back too.
  const client = new ImapFlow({ host: '127.0.0.1', port: served.ports.imap, secure: false, doSTARTTLS: false, auth: { user: ACCOUNTS[0]!, pass: PASSWORD }, logger: false });
  await client.connect();
  await client.mailboxOpen('INBOX');
  await client.messageFlagsAdd('1:10', ['\\Flagged', '$Important'], { uid: true });
  await client.logout();

  const before = new Set(acked);
  const file = join(dir, 'full.mfb');
  const backup = await ok(cli(['--json', 'backup', file]));
  const lines = backup.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; result?: { kind: string; counts: { messages: number } } });
  assert.equal(lines.at(-1)!.event, 'done');
  assert.equal(lines.at(-1)!.result!.kind, 'full');
  assert.ok(lines.at(-1)!.result!.counts.messages >= before.size);
  await load.stop();

  const live = new Map<string, Seen>();
  for (const account of ACCOUNTS) live.set(account, await inboxOf(served.ports.imap, account));
  await ok(cli(['backup', 'verify', file]));

  const dir2 = tempDir(t);
  const restored = await ok(runCli(['--data-dir', join(dir2, 'data'), 'restore', file], { cwd: dir2 }));
  assert.match(restored.stdout, /restored 1 backup file/);
  await ok(runCli(['--data-dir', join(dir2, 'data'), 'store', 'check'], { cwd: dir2 }));

  const again = await serveOnFreePorts(t, dir2);
  let found = 0;
  for (const account of ACCOUNTS) {
    const was = live.get(account)!;
    const now = await inboxOf(again.ports.imap, account);
    assert.equal(now.uidValidity, was.uidValidity, `${account}: UIDVALIDITY`);
    for (const [id, message] of now.messages) {
      assert.deepEqual(message, was.messages.get(id), `${account}: ${id} has the UID and flags it had`);
      if (before.has(id)) found++;
    }
  }
  assert.equal(found, before.size, 'every message acknowledged before the backup started is in it');
});

test('incremental backups chain: restored in order they give the store back record for record', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const cli = (args: string[], input?: string) => runCli(['--data-dir', data, ...args], { cwd: dir, input });
  const deliver = (n: number) => ok(cli(['deliver', '--to', ACCOUNTS[n % 2]!], `Subject: m${n}\r\nMessage-ID: <m${n}@backup.test>\r\n\r\nbody ${n}\r\n`));
  await setUp(cli, data);
  for (let n = 0; n < 6; n++) await deliver(n);
  await ok(cli(['backup', 'full.mfb']));
  await deliver(6);
  await ok(cli(['user', 'remove', ACCOUNTS[1]!, '--yes']));
  const inc1 = JSON.parse((await ok(cli(['--json', 'backup', 'inc1.mfb', '--incremental', 'full.mfb']))).stdout.trim().split('\n').at(-1)!) as {
    result: { kind: string; puts: number; deletes: number; records: number };
  };
  assert.equal(inc1.result.kind, 'incremental');
  assert.ok(inc1.result.deletes > 0, 'the removed account is deleted in the incremental');
  assert.ok(inc1.result.puts < inc1.result.records, 'only what changed is written');
  await deliver(8);
  await ok(cli(['backup', 'inc2.mfb', '--incremental', 'inc1.mfb']));
  await fails(cli(['backup', 'inc2.mfb']), /^mailfold: .*inc2\.mfb exists; a backup never overwrites a file/);

  const target = join(dir, 'restored');
  const restore = (...files: string[]) => runCli(['--data-dir', target, 'restore', ...files], { cwd: dir });
  await fails(restore('inc1.mfb'), /^mailfold: .*inc1\.mfb is an incremental backup; give the full backup it builds on first/);
  await fails(restore('full.mfb', 'inc2.mfb'), /^mailfold: .*inc2\.mfb was not taken since .*full\.mfb/);
  assert.equal(existsSync(join(target, 'store')), false, 'a refused chain writes nothing');
  await ok(restore('full.mfb', 'inc1.mfb', 'inc2.mfb'));
  assert.deepEqual(await allRecords(target), await allRecords(data));
});

test('backup verify finds a changed byte and a cut file; restore of either writes nothing', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const cli = (args: string[], input?: string) => runCli(['--data-dir', data, ...args], { cwd: dir, input });
  await setUp(cli, data);
  for (let n = 0; n < 5; n++) await ok(cli(['deliver', '--to', ACCOUNTS[0]!], `Subject: m${n}\r\n\r\n${'text '.repeat(2000)}\r\n`));
  await ok(cli(['backup', 'good.mfb']));
  const good = readFileSync(join(dir, 'good.mfb'));
  const verified = await ok(cli(['backup', 'verify', 'good.mfb']));
  assert.match(verified.stdout, /intact full backup/);
  assert.match(verified.stdout, /2 accounts, 1 domains, 0 aliases, 12 mailboxes, 5 messages/);

  for (const at of [good.length >> 1, 20, good.length - 5]) {
    const bad = Buffer.from(good);
    bad[at] = bad[at]! ^ 0x40;
    writeFileSync(join(dir, 'bad.mfb'), bad);
    await fails(cli(['backup', 'verify', 'bad.mfb']), /^mailfold: .*(checksum|corrupt|not valid)/);
    await fails(runCli(['--data-dir', join(dir, 'r'), 'restore', 'bad.mfb'], { cwd: dir }), /^mailfold: /);
    assert.equal(existsSync(join(dir, 'r', 'store')), false);
  }
  writeFileSync(join(dir, 'cut.mfb'), good.subarray(0, good.length - 100));
  await fails(cli(['backup', 'verify', 'cut.mfb']), /^mailfold: .*(incomplete|truncated)/);
  writeFileSync(join(dir, 'other.mfb'), 'not a backup at all\n');
  await fails(cli(['backup', 'verify', 'other.mfb']), /^mailfold: .*other\.mfb is not a Mailfold backup$/);
});

test('restore refuses a store that has records, with one line, and leaves it as it was', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const cli = (args: string[], input?: string) => runCli(['--data-dir', data, ...args], { cwd: dir, input });
  await setUp(cli, data);
  await ok(cli(['backup', 'full.mfb']));
  const was = await allRecords(data);
  const refused = await fails(cli(['restore', 'full.mfb']), /^mailfold: the store in .*data\/store is not empty; restore only into an empty data dir$/);
  assert.equal(refused.stderr.trim().split('\n').length, 1);
  assert.deepEqual(await allRecords(data), was);
});

/** A stopped store big enough that its backup takes many batches. */
async function bigStore(t: TestContext): Promise<{ dir: string; data: string }> {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const store = await openLevelStore(data, { sync: false, chunkSize: 65536 });
  await addAccount(store, ACCOUNTS[0]!);
  const line = 'All work and no play makes a backup slow enough to stop. '.repeat(8) + '\r\n';
  for (let n = 0; n < 60; n++) {
    const raw = Buffer.from(`Subject: big ${n}\r\nMessage-ID: <big${n}@backup.test>\r\n\r\n${`${n} ${line}`.repeat(1000)}`);
    await deliverMessage(store, { from: 'a@example.net', recipients: [ACCOUNTS[0]!], raw, subaddressSeparator: '+' });
  }
  await store.close();
  return { dir, data };
}

/** Starts `mailfold backup FILE` and sends `signal` as soon as its temporary file appears. */
async function interruptBackup(dir: string, data: string, signal: NodeJS.Signals) {
  const watcher = watch(dir);
  const child = spawn(process.execPath, [BIN, '--data-dir', data, 'backup', 'b.mfb'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  // Once: the watcher reports every write (and the removal) of the partial file, and a
  // second Ctrl-C after the command has cleaned up would meet the default handler.
  let sent = false;
  watcher.on('change', (_event, name) => {
    if (sent || !String(name).endsWith('.partial')) return;
    sent = true;
    child.kill(signal);
  });
  const ended = await exited(child);
  watcher.close();
  return { ...ended, stderr };
}

test('a backup killed with SIGKILL leaves no file under its name, and what it left does not verify', async (t) => {
  const { dir, data } = await bigStore(t);
  const killed = await interruptBackup(dir, data, 'SIGKILL');
  assert.equal(killed.signal, 'SIGKILL');
  assert.equal(existsSync(join(dir, 'b.mfb')), false);
  const leftovers = readdirSync(dir).filter((name) => name.endsWith('.partial'));
  for (const name of leftovers) await fails(runCli(['backup', 'verify', name], { cwd: dir }), /^mailfold: /);
  await ok(runCli(['--data-dir', data, 'backup', 'b.mfb'], { cwd: dir }));
  await ok(runCli(['backup', 'verify', 'b.mfb'], { cwd: dir }));
});

test('Ctrl-C stops a backup cleanly: exit 130, one line saying to run it again, no file left', async (t) => {
  const { dir, data } = await bigStore(t);
  const stopped = await interruptBackup(dir, data, 'SIGINT');
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr.trim(), /^mailfold: interrupted: no backup was written to .*b\.mfb; run the same command again$/);
  assert.deepEqual(readdirSync(dir).sort(), ['data']);
});

test('Ctrl-C on a backup from a running server: the server stops streaming, keeps serving, and backs up again', async (t) => {
  const { dir } = await bigStore(t);
  const served = await serveOnFreePorts(t, dir);
  const stopped = await interruptBackup(dir, join(dir, 'data'), 'SIGINT');
  assert.equal(stopped.code, 130, stopped.stderr);
  assert.match(stopped.stderr.trim(), /^mailfold: interrupted: no backup was written to .*b\.mfb; run the same command again$/);
  assert.equal(readdirSync(dir).some((name) => name.endsWith('.mfb') || name.endsWith('.partial')), false);
  const cli = (args: string[]) => runCli(['--config', served.config, ...args], { cwd: dir });
  await ok(cli(['backup', 'b.mfb']));
  const verified = await ok(cli(['backup', 'verify', 'b.mfb']));
  assert.match(verified.stdout, /60 messages/);
  assert.equal(served.child.exitCode, null, 'the server still runs');
});
