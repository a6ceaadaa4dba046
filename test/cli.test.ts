import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fails, ok, workspace } from './helpers/cli.ts';
import { exited, runCli } from './helpers/env.ts';
import { serveOnFreePorts } from './helpers/serve.ts';

const PASSWORD = 'correct horse battery\n';

test('domain add|list|remove, with bad input', async (t) => {
  const { cli } = workspace(t);
  await ok(cli(['domain', 'add', 'Example.ORG']));
  assert.match((await ok(cli(['domain', 'list']))).stdout, /^DOMAIN\s+ADDED\nexample\.org\s/);
  const json = JSON.parse((await ok(cli(['--json', 'domain', 'list']))).stdout);
  assert.deepEqual(json.map((d: { name: string }) => d.name), ['example.org']);
  await fails(cli(['domain', 'add', 'example.org']), /^mailfold: domain example\.org already exists$/);
  await fails(cli(['domain', 'add', 'not a domain']), /^mailfold: not a valid domain name/);
  await fails(cli(['domain', 'add', 'localhost']), /^mailfold: not a valid domain name/);
  await fails(cli(['domain', 'remove', 'nope.example']), /^mailfold: no such domain: nope\.example$/);
  await fails(cli(['domain']), /./);
  await fails(cli(['domain', 'frobnicate']), /unknown command/);
  await ok(cli(['domain', 'remove', 'example.org']));
  assert.equal((await ok(cli(['domain', 'list']))).stdout, '');
});

test('user add|list|show|passwd|disable|enable|quota|remove, with bad input', async (t) => {
  const { cli } = workspace(t);
  await fails(cli(['user', 'add', 'alice@example.org', '--password-stdin'], PASSWORD), /^mailfold: no such domain: example\.org/);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', 'alice@example.org', '--password-stdin', '--quota-bytes', '1M'], PASSWORD));
  await fails(cli(['user', 'add', 'alice@example.org', '--password-stdin'], PASSWORD), /^mailfold: account alice@example\.org already exists$/);
  await fails(cli(['user', 'add', 'ALICE@EXAMPLE.ORG', '--password-stdin'], PASSWORD), /already exists/);
  await fails(cli(['user', 'add', 'bad address@example.org', '--password-stdin'], PASSWORD), /^mailfold: not a valid address/);
  await fails(cli(['user', 'add', 'bob@example.org', '--password-stdin'], ''), /^mailfold: the password is empty$/);
  await fails(cli(['user', 'add', 'bob@example.org', '--password-stdin'], 'short\n'), /too short: at least 10/);
  await fails(cli(['user', 'add', 'bob@example.org', '--password-stdin'], 'aaaaaaaaaaaaaa\n'), /too weak/);
  await fails(cli(['user', 'add', 'bob@example.org', '--password-stdin'], 'password123\n'), /commonly used/);
  await fails(cli(['user', 'add', 'bobby@example.org', '--password-stdin'], 'bobby12345\n'), /based on the address/);
  await fails(cli(['user', 'add', 'bob@example.org'], PASSWORD), /no password given/);
  await fails(cli(['user', 'add', 'bob@example.org', '--password-stdin', '--quota-bytes', 'lots'], PASSWORD), /not a size/);

  const shown = JSON.parse((await ok(cli(['--json', 'user', 'show', 'alice@example.org']))).stdout);
  assert.equal(shown.quotaBytes, 1024 * 1024);
  assert.equal(shown.mailboxes, 6);
  assert.equal(shown.passwordHash, undefined, 'the hash never leaves the server');
  assert.equal(shown.scram, undefined, 'nor the SCRAM keys');
  assert.deepEqual(shown.mechanisms, ['PLAIN', 'LOGIN', 'SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS']);
  assert.match((await ok(cli(['user', 'show', 'alice@example.org']))).stdout, /login:\s+PLAIN LOGIN SCRAM-SHA-256 SCRAM-SHA-256-PLUS\n/);
  assert.match((await ok(cli(['user', 'list']))).stdout, /alice@example\.org\s+enabled\s+0 B of 1\.0 MiB/);

  await ok(cli(['user', 'passwd', 'alice@example.org', '--password-stdin'], 'a new and long secret\n'));
  await fails(cli(['user', 'passwd', 'alice@example.org', '--password-stdin'], '\n'), /empty/);
  await fails(cli(['user', 'passwd', 'nobody@example.org', '--password-stdin'], PASSWORD), /^mailfold: no such account: nobody@example\.org$/);
  assert.match((await ok(cli(['user', 'disable', 'alice@example.org']))).stdout, /disabled alice/);
  assert.match((await ok(cli(['user', 'show', 'alice@example.org']))).stdout, /status:\s+disabled/);
  await ok(cli(['user', 'enable', 'alice@example.org']));
  const quota = JSON.parse((await ok(cli(['--json', 'user', 'quota', 'alice@example.org', '--bytes', '0', '--messages', '100']))).stdout);
  assert.deepEqual([quota.quotaBytes, quota.quotaMessages], [0, 100]);
  await fails(cli(['user', 'quota', 'alice@example.org', '--messages', '-5']), /./);

  await fails(cli(['user', 'remove', 'alice@example.org']), /refusing without confirmation: add --yes/);
  await ok(cli(['user', 'remove', 'alice@example.org', '--yes']));
  assert.equal((await ok(cli(['user', 'list']))).stdout, '');
});

test('alias add|list|remove and catch-all, with bad input', async (t) => {
  const { cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', 'alice@example.org', '--password-stdin'], PASSWORD));
  await ok(cli(['alias', 'add', 'postmaster@example.org', 'alice@example.org']));
  await ok(cli(['alias', 'add', '@example.org', 'alice@example.org']));
  await fails(cli(['alias', 'add', 'alice@example.org', 'bob@example.net']), /is already an account/);
  await fails(cli(['alias', 'add', 'postmaster@example.org', 'x@example.net']), /already exists/);
  await fails(cli(['alias', 'add', 'x@unknown.example', 'alice@example.org']), /no such domain: unknown\.example/);
  await fails(cli(['alias', 'add', 'x@example.org', 'not-an-address']), /not a valid address/);
  await fails(cli(['alias', 'add', 'self@example.org', 'self@example.org']), /cannot point to itself/);
  await fails(cli(['user', 'add', 'postmaster@example.org', '--password-stdin'], PASSWORD), /is already an alias/);
  const list = (await ok(cli(['alias', 'list']))).stdout;
  assert.match(list, /@example\.org\s+alice@example\.org/);
  assert.match(list, /postmaster@example\.org\s+alice@example\.org/);
  await ok(cli(['alias', 'remove', '@example.org']));
  await fails(cli(['alias', 'remove', '@example.org']), /no such alias/);
});

test('deliver uses sysexits; mailbox list shows what arrived; quotas answer 75', async (t) => {
  const { cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', 'alice@example.org', '--password-stdin', '--quota-messages', '2'], PASSWORD));
  const msg = 'From: bob@example.net\nSubject: hello\n\nHi Alice\n';
  assert.match((await ok(cli(['deliver', '--from', 'bob@example.net', '--to', 'alice+x@example.org'], msg))).stdout, /delivered to alice@example\.org \(INBOX, uid 1\)/);
  assert.equal((await cli(['deliver', '--to', 'nobody@example.org'], msg)).code, 67);
  assert.match((await ok(cli(['deliver', '--to', 'someone@remote.example'], msg))).stdout, /^someone@remote\.example: queued for someone@remote\.example \(queue id [0-9a-z]{17}\)/);
  assert.equal((await cli(['deliver', '--to', 'alice@example.org'], '')).code, 65);
  assert.equal((await cli(['deliver'], msg)).code, 64, 'missing --to is a usage error');
  assert.equal((await cli(['deliver', '--from', 'bad sender', '--to', 'alice@example.org'], msg)).code, 64);
  await ok(cli(['deliver', '--to', 'alice@example.org', '--mailbox', 'Junk'], msg));
  const r = await cli(['deliver', '--to', 'alice@example.org'], msg);
  assert.equal(r.code, 75, 'over quota is a temporary failure');
  assert.match(r.stdout, /temporary failure: .*message quota/);
  const boxes = JSON.parse((await ok(cli(['--json', 'mailbox', 'list', 'alice@example.org']))).stdout);
  assert.deepEqual(boxes.filter((b: { messages: number }) => b.messages > 0).map((b: { name: string; messages: number }) => [b.name, b.messages]), [['INBOX', 1], ['Junk', 1]]);
  assert.match((await ok(cli(['mailbox', 'list', 'alice@example.org']))).stdout, /^MAILBOX\s+SPECIAL-USE\s+MESSAGES\s+UNSEEN\s+SIZE\nINBOX\s+1\s+1\s/);
  await fails(cli(['mailbox', 'list', 'ghost@example.org']), /no such account/);
  assert.match((await ok(cli(['store', 'check']))).stdout, /^store is clean$/m);
});

test('config check|show: defaults, a corrupt file, secrets masked', async (t) => {
  const { cwd, cli } = workspace(t);
  assert.match((await ok(cli(['config', 'check']))).stdout, /ok: no config file/);
  writeFileSync(join(cwd, 'good.toml'), 'hostname = "mail.example.org"\n[smtp.smarthost]\nhost = "smtp.example.net"\nport = 465\ntls = "implicit"\nusername = "me"\npassword = "hunter2hunter2"\n');
  assert.match((await ok(cli(['--config', join(cwd, 'good.toml'), 'config', 'check']))).stdout, /ok: .*good\.toml/);
  const shown = (await ok(cli(['--config', join(cwd, 'good.toml'), 'config', 'show']))).stdout;
  assert.match(shown, /mail\.example\.org/);
  assert.doesNotMatch(shown, /hunter2/);
  assert.doesNotMatch((await ok(cli(['--json', '--config', join(cwd, 'good.toml'), 'config', 'show']))).stdout, /hunter2/);
  writeFileSync(join(cwd, 'bad.toml'), '[listeners.imap]\nport = "abc"\n[log]\nlevel = "loud"\n');
  const bad = await cli(['--config', join(cwd, 'bad.toml'), 'config', 'check']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /listeners\.imap\.port/);
  assert.match(bad.stderr, /log\.level/);
  writeFileSync(join(cwd, 'corrupt.toml'), Buffer.from([0x00, 0xff, 0x5b, 0x0a, 0x3d]));
  assert.equal((await cli(['--config', join(cwd, 'corrupt.toml'), 'config', 'check'])).code, 1);
  await fails(cli(['--config', join(cwd, 'missing.toml'), 'domain', 'list']), /missing\.toml/);
  assert.equal((await runCli(['deliver', '--to', 'a@example.org'], { cwd, input: 'x', env: { MAILFOLD_CONFIG: join(cwd, 'bad.toml') } })).code, 78);
});

test('while the server runs the CLI goes through the control socket; a locked store is one clear line', async (t) => {
  const { cwd, cli } = workspace(t);
  const dataDir = join(cwd, 'data');
  await ok(cli(['domain', 'add', 'example.org']));
  // Free ports, not the dev ones: test/npm-start.test.ts holds those meanwhile.
  const { child: server } = await serveOnFreePorts(t, cwd);
  assert.equal(statSync(join(dataDir, 'control.sock')).mode & 0o777, 0o600);
  await ok(cli(['user', 'add', 'alice@example.org', '--password-stdin'], PASSWORD));
  await fails(cli(['user', 'add', 'alice@example.org', '--password-stdin'], PASSWORD), /already exists/);
  assert.match((await ok(cli(['deliver', '--to', 'alice@example.org'], 'Subject: via socket\n\nhi\n'))).stdout, /uid 1/);
  assert.match((await ok(cli(['user', 'list']))).stdout, /alice@example\.org/);
  assert.match((await ok(cli(['store', 'check']))).stdout, /store is clean/);

  // Another process holding the store without a control socket: the CLI must not wait or crash.
  const { openLevelStore } = await import('../src/store/level/store.ts');
  server.kill('SIGTERM');
  assert.deepEqual(await exited(server), { code: 0, signal: null }, 'SIGTERM closes the store and exits 0');
  const holder = await openLevelStore(dataDir, { sync: true, chunkSize: 65536 });
  t.after(() => holder.close());
  await fails(cli(['user', 'list']), /^mailfold: the store in .* is locked by another process/);
  assert.equal((await cli(['deliver', '--to', 'alice@example.org'], 'Subject: x\n\nx\n')).code, 75);
});

test('--version, help, and unknown commands', async (t) => {
  const { cli } = workspace(t);
  assert.match((await ok(cli(['--version']))).stdout, /^\d+\.\d+\.\d+\n$/);
  assert.match((await ok(cli(['--help']))).stdout, /Usage: mailfold/);
  assert.match((await ok(cli(['help', 'user']))).stdout, /passwd/);
  await fails(cli(['frobnicate']), /unknown command/);
});
