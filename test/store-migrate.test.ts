import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { ClassicLevel } from 'classic-level';
import { pino } from 'pino';
import { hashPassword } from '../src/auth/password.ts';
import { writeMessages } from '../src/delivery/deliver.ts';
import { LAYOUT_VERSION } from '../src/store/level/core.ts';
import { keys } from '../src/store/level/keys.ts';
import { levelSnapshot } from '../src/store/level/records.ts';
import { openLevelStore } from '../src/store/level/store.ts';
import { StoreError } from '../src/store/types.ts';
import { writeBackup } from '../src/transfer/backup.ts';
import { BackupReader } from '../src/transfer/backup-reader.ts';
import { FIXTURE_ACCOUNT, FIXTURE_PASSWORD, FIXTURE_PREFIX, writeV1Store, type FixtureMailbox } from './fixtures/v1-store.ts';
import { ok } from './helpers/cli.ts';
import { BIN, exited, ROOT, runCli, tempDir } from './helpers/env.ts';
import { RawImap, startImapServer } from './helpers/imap.ts';

// A store of layout 1 (what the releases before the full-text index wrote) is migrated
// in place when it opens, and then answers as before. test/fixtures/v1-store.ts writes one.

const passwordHash = hashPassword(FIXTURE_PASSWORD);

async function v1Store(t: TestContext, opts: { corpus: boolean; synthetic: number }) {
  const dir = tempDir(t, 'mf-v1-');
  const fixture = await writeV1Store(dir, { ...opts, passwordHash: await passwordHash });
  return { dir, fixture, inbox: fixture.mailboxes[0]!, projects: fixture.mailboxes.find((m) => m.name === 'Projects/2026')! };
}

/** UID -> "FLAGS MODSEQ" from a FETCH's responses. */
function flagsAndModSeqs(responses: string[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const r of responses) {
    const uid = /UID (\d+)/.exec(r);
    const flags = /FLAGS \(([^)]*)\)/.exec(r);
    const modSeq = /MODSEQ \((\d+)\)/.exec(r);
    if (uid && flags && modSeq) out.set(Number(uid[1]), `${flags[1]!.split(' ').filter(Boolean).sort().join(' ')} ${modSeq[1]}`);
  }
  return out;
}

const expected = (box: FixtureMailbox) => new Map(box.messages.map((m) => [m.uid, `${[...m.flags].sort().join(' ')} ${m.modSeq}`]));

/** ENVELOPE and BODYSTRUCTURE of every message, in UID order, without their numbers. */
async function structures(imap: RawImap, tag: string): Promise<string[]> {
  const responses = await imap.exchange(tag, 'UID FETCH 1:* (ENVELOPE BODYSTRUCTURE)');
  return responses.filter((r) => r.startsWith('* ')).map((r) => r.replace(/^\* \d+ FETCH \(UID \d+ /, '('));
}

test('a layout-1 store opens migrated, with the progress in the log, and IMAP answers as before', async (t) => {
  const { dir, fixture, inbox, projects } = await v1Store(t, { corpus: true, synthetic: 30 });
  const logged: string[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
  const { store, port } = await startImapServer(t, (config) => (config.data_dir = dir), log);
  const messages = logged.map((l) => (JSON.parse(l) as { msg: string }).msg);
  const progress = messages.filter((m) => m.startsWith('migrating store: '));
  assert.ok(messages.lastIndexOf(progress.at(-1)!) < messages.indexOf('listening'), 'migrated before listening');
  assert.match(progress[0]!, /^migrating store: step 1\/5 \(.*\), 0\/7 mailboxes$/);
  assert.match(progress.at(-1)!, new RegExp(`^migrating store: step 5/5 \\(full-text index built\\), ${fixture.bodies}/${fixture.bodies} bodies$`));
  assert.equal((await store.core.db.get(keys.version))?.toString(), String(LAYOUT_VERSION));
  assert.equal(await store.core.db.get(keys.migration), undefined, 'no migration left under way');
  assert.ok(await store.core.searchIndex.built(), 'the full-text index is built');
  assert.deepEqual(await store.check({ repair: false }), []);

  const imap = await RawImap.connect(port);
  t.after(() => imap.socket.destroy());
  await imap.exchange('a1', `LOGIN ${FIXTURE_ACCOUNT} "${FIXTURE_PASSWORD}"`);
  await imap.exchange('a2', 'ENABLE QRESYNC');
  const select = (await imap.exchange('a3', 'SELECT INBOX')).join('\n');
  assert.match(select, new RegExp(`\\[UIDVALIDITY ${inbox.uidValidity}\\]`));
  assert.match(select, new RegExp(`\\[UIDNEXT ${inbox.uidNext}\\]`));
  assert.match(select, new RegExp(`\\[HIGHESTMODSEQ ${inbox.highestModSeq}\\]`));
  assert.match(select, new RegExp(`\\* ${inbox.messages.length} EXISTS`));
  assert.match(select, /\* 0 RECENT/, 'messages stored before the upgrade are not \\Recent');
  assert.deepEqual(flagsAndModSeqs(await imap.exchange('a4', 'UID FETCH 1:* (FLAGS MODSEQ)')), expected(inbox));
  const vanished = (await imap.exchange('a5', 'UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)')).find((r) => r.startsWith('* VANISHED'));
  assert.equal(vanished, `* VANISHED (EARLIER) ${inbox.expunged.map((x) => x.uid).join(',')}`);

  // SEARCH TEXT finds each message's own word (through the index built by the migration).
  for (const m of inbox.messages.filter((m) => m.word)) {
    assert.deepEqual((await imap.exchange('s', `UID SEARCH TEXT ${m.word}`))[0], `* SEARCH ${m.uid}`, m.word!);
  }
  assert.deepEqual((await imap.exchange('a6', 'UID SEARCH TEXT "common words"'))[0], `* SEARCH ${inbox.messages.filter((m) => m.word).map((m) => m.uid).join(' ')}`);

  // ENVELOPE and BODYSTRUCTURE are what the same messages stored today give.
  const fresh = await store.createMailbox(1, 'Fresh');
  await writeMessages(store, inbox.messages.map((m) => ({ raw: m.raw, targets: [{ accountId: 1, mailboxId: fresh.id, prefix: FIXTURE_PREFIX, flags: [] }] })), { enforceQuota: false, atomic: true });
  const migrated = await structures(imap, 'a7');
  assert.equal(migrated.length, inbox.messages.length);
  await imap.exchange('a8', 'SELECT Fresh');
  assert.deepEqual(migrated, await structures(imap, 'a9'));

  const status = (await imap.exchange('b1', 'STATUS "Projects/2026" (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ)'))[0];
  assert.equal(status, `* STATUS "Projects/2026" (MESSAGES ${projects.messages.length} UIDNEXT ${projects.uidNext} UIDVALIDITY ${projects.uidValidity} HIGHESTMODSEQ ${projects.highestModSeq})`);
  await imap.exchange('b2', 'SELECT "Projects/2026"');
  assert.deepEqual(flagsAndModSeqs(await imap.exchange('b3', 'UID FETCH 1:* (FLAGS MODSEQ)')), expected(projects));

  // A message delivered after the upgrade is \Recent, as on any store.
  await writeMessages(store, [{ raw: inbox.messages[0]!.raw, targets: [{ accountId: 1, mailboxId: 1, prefix: '', flags: [] }] }], { enforceQuota: false, atomic: true });
  const other = await RawImap.connect(port);
  t.after(() => other.socket.destroy());
  await other.exchange('d1', `LOGIN ${FIXTURE_ACCOUNT} "${FIXTURE_PASSWORD}"`);
  assert.match((await other.exchange('d2', 'EXAMINE INBOX')).join('\n'), /\* 1 RECENT/);
});

/** Every key and value of a store, the full-text index's segments apart (their grouping depends on when merges ran). */
async function dump(dataDir: string): Promise<Map<string, string>> {
  const db = new ClassicLevel<string, Buffer>(join(dataDir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  const out = new Map<string, string>();
  for await (const [key, value] of db.iterator()) {
    if (key.startsWith('fts/') || key === 'meta/fts') continue;
    out.set(key, key.startsWith('ftd/') ? '(merged)' : value.toString('base64'));
  }
  await db.close();
  return out;
}

/** `mailfold store migrate`, killed with SIGKILL at the first progress line `killAt` accepts; returns the lines it printed. */
async function migrateUntil(dataDir: string, killAt: (line: string) => boolean): Promise<string[]> {
  const child = spawn(process.execPath, [BIN, '--data-dir', dataDir, 'store', 'migrate'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, MAILFOLD_CONFIG: '', MAILFOLD_DATA: '' } });
  const lines: string[] = [];
  let pending = '';
  child.stderr!.on('data', (data: Buffer) => {
    const parts = (pending + data.toString()).split('\n');
    pending = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      if (killAt(line) && child.exitCode === null) child.kill('SIGKILL');
    }
  });
  const { signal } = await exited(child);
  assert.equal(signal, 'SIGKILL', `the migration ended before the line it was to be killed at:\n${lines.join('\n')}`);
  return lines;
}

const doneOf = (line: string, step: number): number | null => {
  const m = new RegExp(`^migrating store: step ${step}/5 .*, ([\\d,]+)/[\\d,]+ bodies$`).exec(line);
  return m ? Number(m[1]!.replace(/,/g, '')) : null;
};

test('a migration killed with SIGKILL in the middle of its steps resumes where it stopped and ends as an uninterrupted one', async (t) => {
  const killed = await v1Store(t, { corpus: false, synthetic: 2500 });
  const whole = await v1Store(t, { corpus: false, synthetic: 2500 });
  assert.deepEqual(await dump(killed.dir), await dump(whole.dir), 'two fixtures are the same');
  const cwd = tempDir(t);
  const finished = await ok(runCli(['--data-dir', whole.dir, 'store', 'migrate'], { cwd }));
  assert.match(finished.stdout, /^store migrated from layout 1 to layout 2 in [\d.]+ s$/m);

  // Killed while bodies are indexed again, then while the full-text index is built.
  await migrateUntil(killed.dir, (line) => (doneOf(line, 3) ?? 0) > 0);
  const second = await migrateUntil(killed.dir, (line) => (doneOf(line, 5) ?? 0) > 0);
  const resumedAt = second.map((l) => doneOf(l, 3)).find((n) => n !== null);
  assert.ok(resumedAt !== undefined && resumedAt! >= 1000, `the second run went on from the first one's position: ${second[0]}`);
  const third = await ok(runCli(['--data-dir', killed.dir, 'store', 'migrate'], { cwd }));
  assert.ok(!/step [1234]\/5/.test(third.stderr), `the third run starts in step 5:\n${third.stderr}`);
  assert.match(third.stdout, /store migrated from layout 1 to layout 2/);

  assert.deepEqual(await dump(killed.dir), await dump(whole.dir));
  assert.equal((await ok(runCli(['--data-dir', killed.dir, 'store', 'check'], { cwd }))).stdout.trim(), 'store is clean');
  assert.equal((await ok(runCli(['--data-dir', killed.dir, 'store', 'migrate'], { cwd }))).stdout.trim(), 'store is at the current layout; nothing to migrate');

  const store = await openLevelStore(killed.dir, { sync: true, chunkSize: 65536 });
  t.after(() => store.close());
  for (const m of killed.inbox.messages.filter((_, i) => i % 250 === 0)) {
    // Candidates: a few messages sharing the word's trigrams, which SEARCH's check then drops.
    const { uids } = await store.searchIndex.candidates(1, m.word!, 100);
    assert.ok(uids?.has(m.uid) && uids.size < 10, `${m.word}: ${[...(uids ?? [])].join(' ')}`);
  }
});

test('a store of a newer layout is refused in one line, and left as it is', async (t) => {
  const dir = tempDir(t);
  await (await openLevelStore(dir, { sync: true, chunkSize: 65536 })).close();
  const db = new ClassicLevel<string, Buffer>(join(dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.put(keys.version, Buffer.from(String(LAYOUT_VERSION + 1)));
  await db.close();
  await assert.rejects(openLevelStore(dir, { sync: true, chunkSize: 65536 }), (err: StoreError) => {
    assert.equal(err.code, 'invalid');
    assert.match(err.message, new RegExp(`layout ${LAYOUT_VERSION + 1}, written by a newer Mailfold`));
    return true;
  });
  const r = await runCli(['--data-dir', dir, 'store', 'migrate'], { cwd: dir });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^mailfold: the store has layout \d+, written by a newer Mailfold/);
  await db.open();
  assert.equal((await db.get(keys.version))?.toString(), String(LAYOUT_VERSION + 1));
  await db.close();
});

test('store migrate: a bar per step on a terminal, JSON lines with --json', async (t) => {
  const tty = await v1Store(t, { corpus: false, synthetic: 300 });
  const shown = execFileSync('python3', [join(ROOT, 'test/fixtures/pty_answer.py'), '[]', process.execPath, BIN, '--data-dir', tty.dir, 'store', 'migrate'], {
    cwd: tty.dir,
    encoding: 'utf8',
    env: { ...process.env, MAILFOLD_CONFIG: '', MAILFOLD_DATA: '' },
  });
  assert.match(shown, /migrating store: step 1\/5 \[=+\] 7\/7 mailboxes, messages stored before/);
  assert.match(shown, /migrating store: step 2\/5 \[=+\] 7\/7 mailboxes, mailbox indexes/);
  assert.match(shown, /migrating store: step 4\/5 \[=+\] 0\/0 keys, full-text index/);
  // The title is cut where the terminal (80 columns here) ends.
  assert.match(shown, /migrating store: step 5\/5 \[=+\] 270\/270 bodies, full/);
  assert.match(shown, /store migrated from layout 1 to layout 2 in [\d.]+ s/);

  const json = await v1Store(t, { corpus: false, synthetic: 300 });
  const r = await ok(runCli(['--json', '--data-dir', json.dir, 'store', 'migrate'], { cwd: json.dir }));
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string; id?: string; done?: number; result?: { migrated: { from: number; to: number } } });
  assert.deepEqual([lines.at(-1)!.event, lines.at(-1)!.result!.migrated], ['done', { from: 1, to: 2 }]);
  assert.ok(lines.slice(0, -1).every((l) => l.event === 'progress' && typeof l.done === 'number'));
  assert.deepEqual([...new Set(lines.slice(0, -1).map((l) => l.id))], ['recent-from', 'mailbox-index', 'body-rules', 'search-index-clear', 'search-index-build']);
});

test('a backup of a layout-1 store restores as it was and is migrated when the store first opens', async (t) => {
  const old = await v1Store(t, { corpus: false, synthetic: 200 });
  const file = join(tempDir(t), 'v1.mfb');
  const db = new ClassicLevel<string, Buffer>(join(old.dir, 'store'), { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open();
  const written = await writeBackup(() => levelSnapshot(db), { file });
  await db.close();
  const reader = await BackupReader.open(file);
  assert.equal(reader.header.layout, 1);
  await reader.close();
  assert.equal(written.counts.messages, old.inbox.messages.length + old.projects.messages.length);

  const target = tempDir(t);
  await ok(runCli(['--data-dir', target, 'restore', file], { cwd: target }));
  const check = await ok(runCli(['--data-dir', target, 'store', 'check'], { cwd: target }));
  assert.match(check.stderr, /^migrating store: step 5\/5 \(full-text index built\), 180\/180 bodies$/m);
  assert.equal(check.stdout.trim(), 'store is clean');
  assert.deepEqual(await dump(target), await dump(await migratedCopy(t)));
});

/** The same fixture as above, migrated in place. */
async function migratedCopy(t: TestContext): Promise<string> {
  const { dir } = await v1Store(t, { corpus: false, synthetic: 200 });
  await ok(runCli(['--data-dir', dir, 'store', 'migrate'], { cwd: dir }));
  return dir;
}
