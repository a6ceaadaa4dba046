/**
 * `mailfold serve` on the PostgreSQL backend: the CLI migrates the schema and adds
 * accounts through the running server, SMTP delivers, an IMAP client (imapflow) in
 * IDLE is told of the new mail and FETCHes it; then under SMTP load the server is
 * killed with SIGKILL and every message it acknowledged is in the database.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { once } from 'node:events';
import { simpleParser } from 'mailparser';
import { openPostgresStore } from '../src/store/postgres/store.ts';
import { exited, runCli, tempDir } from './helpers/env.ts';
import { imapflow, PASSWORD } from './helpers/imap.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { serveOnFreePorts, writeConfig } from './helpers/serve.ts';
import { ALICE, sendMail } from './helpers/postgres-nodes.ts';
import { collect } from './helpers/store.ts';

const database = postgresForFile();

const storeToml = (url: string) => `[store]\nbackend = "postgres"\nurl = "${url}"\ntls = "off"\npool_size = 8\n`;

async function setup(t: TestContext): Promise<{ url: string; dir: string; cli: (args: string[], input?: string) => ReturnType<typeof runCli> } | null> {
  const url = await database(t);
  if (!url) return null;
  const dir = tempDir(t);
  const config = join(dir, 'mailfold.toml');
  // The same file `serve` rewrites with its ports later; the CLI only needs [store] and data_dir.
  writeConfig(config, join(dir, 'data'), { smtp: 1, submission: 2, submissions: 3, imap: 4, imaps: 5, pop3: 6, pop3s: 7, managesieve: 8 }, storeToml(url));
  const cli = (args: string[], input?: string) => runCli(['--config', config, ...args], { cwd: dir, input });
  return { url, dir, cli };
}

test('serve on PostgreSQL: store migrate, accounts by CLI, SMTP delivery seen in IMAP IDLE and fetched', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const migrated = await env.cli(['store', 'migrate']);
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, /applied schema migration\(s\) 1/);
  assert.match((await env.cli(['store', 'migrate'])).stdout, /up to date/);

  const served = await serveOnFreePorts(t, env.dir, { extra: storeToml(env.url) });
  assert.match(served.output(), /"backend":"postgres"/);
  assert.equal((await env.cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await env.cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);

  const client = await imapflow(t, served.ports.imap, ALICE);
  await client.mailboxOpen('INBOX');
  const told = once(client, 'exists');
  // IDLE until the next command; its promise settles when IDLE ends.
  const idle = client.idle();
  assert.match(await sendMail(served.ports.smtp, 'first@example.net', 'over postgres'), /^250/);
  const [exists] = (await told) as [{ count: number }];
  assert.equal(exists.count, 1);
  const message = await client.fetchOne('1', { source: true, uid: true });
  await idle;
  assert.ok(message && message.source);
  const parsed = await simpleParser(message.source);
  assert.equal(parsed.subject, 'over postgres');
  assert.equal(parsed.messageId, '<first@example.net>');
  await client.logout();

  const check = await env.cli(['store', 'check']);
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /store is clean/);
});

test('serve on PostgreSQL killed with SIGKILL under SMTP load loses no acknowledged message', async (t) => {
  const env = await setup(t);
  if (!env) return;
  const served = await serveOnFreePorts(t, env.dir, { extra: storeToml(env.url) });
  assert.equal((await env.cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await env.cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);

  const acknowledged = new Set<string>();
  let killed = false;
  const KILL_AFTER = 40;
  const worker = async (w: number) => {
    for (let i = 0; !killed; i++) {
      const id = `w${w}.${i}@load.example.net`;
      try {
        const reply = await sendMail(served.ports.smtp, id, `load ${w}.${i}`);
        if (/^250/.test(reply)) acknowledged.add(id);
      } catch {
        return; // the server is gone
      }
      if (acknowledged.size >= KILL_AFTER && !killed) {
        killed = true;
        served.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  await exited(served.child);
  assert.ok(acknowledged.size >= KILL_AFTER);

  const store = await openPostgresStore({ url: env.url, poolSize: 2, tls: { mode: 'off' }, chunkSize: 65536 });
  t.after(() => store.close());
  const account = (await store.getAccount(ALICE))!;
  const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
  const stored: string[] = [];
  for (const meta of await store.listMessages(inbox.id)) {
    const parsed = await simpleParser(await collect(store.readMessage(meta)));
    stored.push(parsed.messageId!.slice(1, -1));
  }
  const missing = [...acknowledged].filter((id) => !stored.includes(id));
  assert.deepEqual(missing, [], 'every acknowledged message is stored');
  assert.equal(new Set(stored).size, stored.length, 'none twice');
  assert.equal(inbox.messages, stored.length);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('init --store puts the first domain, account, DKIM keys and certificate in the database, and refuses a database in use', async (t) => {
  const url = await database(t);
  if (!url) return;
  const dir = tempDir(t);
  const init = (name: string, store: string) =>
    runCli(['--config', join(dir, `${name}.toml`), '--data-dir', join(dir, name), 'init', '--hostname', 'mail.example.org', '--domain', 'example.org', '--user', 'alice', '--password-stdin', '--store', store], { cwd: dir, input: `${PASSWORD}\n` });
  const bad = await init('bad', 'mysql://db/mail');
  assert.deepEqual([bad.code, bad.stderr.trim()], [1, 'mailfold: --store: must be a postgres:// URL, e.g. postgres://mailfold:secret@db.example.org/mailfold']);
  assert.ok(!existsSync(join(dir, 'bad.toml')) && !existsSync(join(dir, 'bad')));

  const first = await init('first', url);
  assert.equal(first.code, 0, first.stderr);
  const written = readFileSync(join(dir, 'first.toml'), 'utf8');
  assert.match(written, /\[store\]\nbackend = "postgres"\nurl = "postgres:\/\//);
  assert.equal(statSync(join(dir, 'first.toml')).mode & 0o777, 0o600, 'it holds the database password');
  const store = await openPostgresStore({ url, poolSize: 2, tls: { mode: 'off' }, chunkSize: 65536 });
  t.after(() => store.close());
  assert.ok(await store.getAccount(ALICE));
  assert.equal((await store.listDkimKeys('example.org')).length, 2);
  assert.ok(await store.getCertificate('mail.example.org'));

  const again = await init('second', url);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already set up: the database of --store holds domains already; nothing was changed/);
  assert.ok(!existsSync(join(dir, 'second.toml')) && !existsSync(join(dir, 'second')));
  assert.deepEqual((await store.listAccounts()).map((a) => a.address), [ALICE]);
});
