import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectControl } from '../src/admin/control-client.ts';
import { ReadCache } from '../src/store/level/read-cache.ts';
import { SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { writeMessage } from '../src/delivery/deliver.ts';
import type { LevelStore } from '../src/store/level/store.ts';
import { addAccount, message, testLevelStore } from './helpers/store.ts';

const PASSWORD = 'a long enough password';

test('admin changes to domains, accounts and aliases reach the very next RCPT', async (t) => {
  // This test's unknown recipients are on purpose: not the RCPT-guessing the limit stops.
  const { mx, config } = await startSmtpServer(t, (c) => (c.limits.failed_recipients_per_session = 100));
  const admin = (await connectControl(config.data_dir))!;
  assert.ok(admin, 'the control socket answers');
  await admin.domainAdd({ name: 'example.org' });
  await admin.userAdd({ address: 'alice@example.org', password: PASSWORD });
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.cmd('MAIL FROM:<bob@example.net>'), /^250/);
  const rcpt = (address: string) => client.cmd(`RCPT TO:<${address}>`);

  // Each lookup is made twice first, so that it is answered from the cache if there is one.
  for (let i = 0; i < 2; i++) assert.match(await rcpt('alice@example.org'), /^250/);
  for (let i = 0; i < 2; i++) assert.match(await rcpt('carol@example.org'), /^550 5\.1\.1/);
  await admin.userAdd({ address: 'carol@example.org', password: PASSWORD });
  assert.match(await rcpt('carol@example.org'), /^250/, 'a new account');

  await admin.userDisable({ address: 'alice@example.org' });
  assert.match(await rcpt('alice@example.org'), /^550 5\.2\.1/, 'a disabled account');
  await admin.userEnable({ address: 'alice@example.org' });
  assert.match(await rcpt('alice@example.org'), /^250/, 'enabled again');
  await admin.userRemove({ address: 'alice@example.org' });
  assert.match(await rcpt('alice@example.org'), /^550 5\.1\.1/, 'a removed account');

  await admin.aliasAdd({ address: 'alice@example.org', targets: ['carol@example.org'] });
  assert.match(await rcpt('alice@example.org'), /^250/, 'a new alias');
  await admin.aliasRemove({ address: 'alice@example.org' });
  assert.match(await rcpt('alice@example.org'), /^550 5\.1\.1/, 'a removed alias');

  await admin.userRemove({ address: 'carol@example.org' });
  assert.match(await rcpt('carol@example.org'), /^550 5\.1\.1/);
  await admin.domainRemove({ name: 'example.org' });
  assert.match(await rcpt('carol@example.org'), /^554 5\.7\.1/, 'a removed domain is not local any more: relaying');
  await admin.domainAdd({ name: 'example.org' });
  assert.match(await rcpt('carol@example.org'), /^550 5\.1\.1/, 'local again');
});

test('the store answers account and domain reads from what was last written', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  assert.equal((await store.getAccountById(alice.id))?.address, 'alice@example.org');
  await store.updateAccount('alice@example.org', { quotaMessages: 5 });
  assert.equal((await store.getAccount('alice@example.org'))?.quotaMessages, 5);
  assert.equal((await store.getAccountById(alice.id))?.quotaMessages, 5);
  // A read under way while the account goes must not leave it behind.
  const during = store.getAccount('alice@example.org');
  await store.removeAccount('alice@example.org');
  await during;
  assert.equal(await store.getAccount('alice@example.org'), null);
  assert.equal(await store.getAccountById(alice.id), null);
  await store.removeDomain('example.org');
  assert.equal(await store.getDomain('example.org'), null);
});

test('a read cache keeps out an answer loaded while a write touched its prefix', async () => {
  const cache = new ReadCache(['acc/'], 3);
  let loads = 0;
  const load = async (key: string) => (loads++, { key });
  await cache.get('acc/a', load);
  await cache.get('acc/a', load);
  assert.equal(loads, 1, 'the second read is cached');

  let release!: (value: { key: string }) => void;
  const pending = cache.get('acc/b', () => new Promise<{ key: string }>((resolve) => (release = resolve)));
  cache.forget(['acc/x']);
  release({ key: 'stale' });
  assert.deepEqual(await pending, { key: 'stale' });
  await cache.get('acc/b', load);
  assert.equal(loads, 2, 'the answer from before the write was not kept');

  cache.forget(['msg/1', 'dom/x']);
  await cache.get('acc/b', load);
  assert.equal(loads, 2, 'writes under other prefixes change nothing');
  cache.forget(['acc/b']);
  await cache.get('acc/b', load);
  assert.equal(loads, 3, 'a written key is read again');
  await cache.get('acc/c', load);
  await cache.get('acc/d', load);
  await cache.get('acc/a', load);
  assert.equal(loads, 6, 'past the limit the cache started over');
});

test('a raw-value read cache takes the values of a written batch, and keeps out a load that raced it', async () => {
  const cache = new ReadCache(['mbx/'], 10);
  let loads = 0;
  const load = async () => (loads++, Buffer.from('old'));
  let release!: (value: Buffer) => void;
  const pending = cache.get('mbx/1', () => new Promise<Buffer>((resolve) => (release = resolve)));
  cache.remember([
    { type: 'put', key: 'mbx/1', value: Buffer.from('new') },
    { type: 'del', key: 'mbx/2' },
    { type: 'put', key: 'msg/1', value: Buffer.from('other') },
  ]);
  release(Buffer.from('stale'));
  assert.equal(String(await pending), 'stale');
  assert.equal(String(await cache.get('mbx/1', load)), 'new', 'the written value, not the raced load');
  assert.equal(await cache.get('mbx/2', load), null, 'a deleted key is a known miss');
  assert.equal(loads, 0);
  assert.equal(String(await cache.get('msg/1', load)), 'old', 'keys under other prefixes are not taken');
});

/** Counts the point reads `store` makes from now on. */
function counting(store: LevelStore): () => number {
  const db = store.core.db as unknown as { get: (...args: unknown[]) => unknown };
  const get = db.get.bind(db);
  let count = 0;
  db.get = (...args: unknown[]) => (count++, get(...args));
  return () => count;
}

test('mailbox records come from the cache after a delivery and match what is stored', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  await writeMessage(store, message('one'), [{ accountId: alice.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
  const gets = counting(store);
  const cached = await store.getMailbox(alice.id, 'INBOX');
  assert.equal(gets(), 0, 'no point read after the append wrote the record');
  assert.deepEqual(cached, (await store.listMailboxes(alice.id)).find((m) => m.id === inbox.id));
  assert.equal(cached!.messages, 1);
  cached!.messages = 99;
  assert.equal((await store.getMailboxById(inbox.id))!.messages, 1, 'callers never share an object with the cache');
  await store.renameMailbox(alice.id, 'Archive', 'Old');
  assert.equal(await store.getMailbox(alice.id, 'Archive'), null);
  assert.equal((await store.getMailbox(alice.id, 'Old'))!.name, 'Old');
});
