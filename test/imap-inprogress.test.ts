import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { writeMessages } from '../src/delivery/deliver.ts';
import { addAccount, RawImap, startImapServer } from './helpers/imap.ts';
import { ALICE } from './helpers/imap-inbox.ts';
import { message } from './helpers/store.ts';

/** 450 messages (three FETCH batches, one SEARCH batch) and a session with INBOX selected; progress at every batch. */
async function selected(t: TestContext, interval: number) {
  const env = await startImapServer(t, (config) => {
    config.store.sync = false;
    config.imap.progress_interval = interval;
  });
  const account = await addAccount(env.store, ALICE);
  const inbox = (await env.store.getMailbox(account.id, 'INBOX'))!;
  const messages = Array.from({ length: 450 }, (_, i) => ({ raw: message(`m${i}`), targets: [{ accountId: account.id, mailboxId: inbox.id, prefix: '', flags: [] }] }));
  for (let i = 0; i < messages.length; i += 150) await writeMessages(env.store, messages.slice(i, i + 150), { enforceQuota: false, atomic: true });
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  await c.login(ALICE);
  await c.command('s', 'SELECT INBOX');
  return c;
}

const progress = (lines: string[]) => lines.filter((l) => l.includes('[INPROGRESS'));

test('INPROGRESS: FETCH, SEARCH, SORT and THREAD report how far they got, before their answers', async (t) => {
  const c = await selected(t, 0);
  assert.match((await c.command('c', 'CAPABILITY'))[0]!, /^\* CAPABILITY .* INPROGRESS/);
  const fetched = await c.command('f.1', 'UID FETCH 1:* (UID)');
  assert.deepEqual(progress(fetched), ['* OK [INPROGRESS ("f.1" 0 450)] Working on it', '* OK [INPROGRESS ("f.1" 200 450)] Working on it', '* OK [INPROGRESS ("f.1" 400 450)] Working on it']);
  assert.equal(fetched.length, 450 + 3 + 1);
  assert.ok(fetched.indexOf('* OK [INPROGRESS ("f.1" 200 450)] Working on it') > fetched.indexOf('* 200 FETCH (UID 200)'));
  assert.deepEqual(progress(await c.command('s1', 'SEARCH RETURN (COUNT) ALL')), ['* OK [INPROGRESS ("s1" 0 450)] Working on it']);
  assert.deepEqual(progress(await c.command('o', 'SORT (ARRIVAL) UTF-8 UID 1:3')), ['* OK [INPROGRESS ("o" 0 450)] Working on it']);
  assert.deepEqual(progress(await c.command('h', 'THREAD REFERENCES UTF-8 UID 1:3')), ['* OK [INPROGRESS ("h" 0 450)] Working on it']);
  // An empty set has no batch to report.
  assert.deepEqual(progress(await c.command('e', 'UID FETCH 1000:2000 (UID)')), []);
});

test('INPROGRESS: a command quicker than imap.progress_interval says nothing', async (t) => {
  const c = await selected(t, 3600);
  assert.deepEqual(progress(await c.command('f', 'UID FETCH 1:* (UID)')), []);
  assert.deepEqual(progress(await c.command('s', 'SEARCH ALL')), []);
});
