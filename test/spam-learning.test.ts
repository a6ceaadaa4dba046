import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { classify } from '../src/spam/classifier.ts';
import { messageTokens } from '../src/spam/tokens.ts';
import type { Store } from '../src/store/types.ts';
import { ROOT } from './helpers/env.ts';
import { addAccount, deliver, imapflow, PASSWORD, startImapServer } from './helpers/imap.ts';
import { requireTool, startMailfold } from './helpers/smtp.ts';
import { clearHam, clearSpam, fixtures, trainAccount } from './helpers/spam.ts';

const run = promisify(execFile);
const ALICE = 'alice@example.org';

async function totals(store: Store): Promise<{ spam: number; ham: number }> {
  const account = (await store.getAccount(ALICE))!;
  return (await store.spamCounts(account.id, [])).totals;
}

test('a message moved into Junk by imapflow is learned as spam, moved out as ham; both survive a restart', async (t) => {
  const { server, store, config, port } = await startImapServer(t);
  await addAccount(store, ALICE);
  await deliver(store, ALICE, clearSpam());
  let client = await imapflow(t, port, ALICE);
  await client.mailboxOpen('INBOX');
  assert.ok(await client.messageMove('1', 'Junk', { uid: true }));
  assert.deepEqual(await totals(store), { spam: 1, ham: 0 });
  // A copy within Junk teaches nothing more.
  await client.mailboxOpen('Junk');
  await client.messageCopy('1:*', 'Junk', { uid: true });
  assert.deepEqual(await totals(store), { spam: 1, ham: 0 });
  await client.logout();
  await server.close();

  const again = await startMailfold(t, config);
  assert.deepEqual(await totals(again.store), { spam: 1, ham: 0 });
  client = await imapflow(t, again.listeners.imap!.port, ALICE);
  await client.mailboxOpen('Junk');
  // Out of Junk into Archive: the spam learning is undone and the message learned as ham.
  assert.ok(await client.messageMove('1', 'Archive', { uid: true }));
  assert.deepEqual(await totals(again.store), { spam: 0, ham: 1 });
  // Out of Junk into Trash teaches nothing.
  assert.ok(await client.messageMove('2', 'Trash', { uid: true }));
  assert.deepEqual(await totals(again.store), { spam: 0, ham: 1 });
  await client.logout();
  await again.close();

  const third = await startMailfold(t, config);
  assert.deepEqual(await totals(third.store), { spam: 0, ham: 1 });
});

test('Python imaplib: $Junk learns spam, $NotJunk turns it into ham, and it survives a restart', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { server, store, config, port } = await startImapServer(t);
  await addAccount(store, ALICE);
  await deliver(store, ALICE, clearSpam());
  const script = join(ROOT, 'test/fixtures/imap_junk.py');
  const junk = JSON.parse((await run('python3', [script, String(port), ALICE, PASSWORD, 'junk'], { timeout: 60_000 })).stdout);
  assert.equal(junk.store, 'OK');
  assert.match(junk.flags, /\$Junk/);
  assert.deepEqual(await totals(store), { spam: 1, ham: 0 });
  await server.close();
  const again = await startMailfold(t, config);
  assert.deepEqual(await totals(again.store), { spam: 1, ham: 0 });
  const notJunk = JSON.parse((await run('python3', [script, String(again.listeners.imap!.port), ALICE, PASSWORD, 'notjunk'], { timeout: 60_000 })).stdout);
  assert.match(notJunk.flags, /\$NotJunk/);
  assert.deepEqual(await totals(again.store), { spam: 0, ham: 1 });
});

test('a reply (\\Answered) teaches ham; twenty spam moved to Junk fix the next one like them', async (t) => {
  const { store, port } = await startImapServer(t);
  const account = await addAccount(store, ALICE);
  await trainAccount(store, account.id);
  await deliver(store, ALICE, clearHam());
  const client = await imapflow(t, port, ALICE);
  await client.mailboxOpen('INBOX');
  await client.messageFlagsAdd('1', ['\\Answered'], { uid: true });
  assert.deepEqual(await totals(store), { spam: 30, ham: 46 });
  // A campaign in words the account never saw: the classifier has no clue and lets it through at first.
  const campaign = (n: number) =>
    Buffer.from(
      `From: Lena <lena${n}@tulpen.example>\r\nTo: ${ALICE}\r\nSubject: Ihre Tulpenzwiebeln ${n}\r\n\r\n` +
        `Sehr geehrte Kundin, unsere Tulpenzwiebeln aus Holland bluehen jeden Fruehling. Bestellen Sie heute ${n} Zwiebeln, das Angebot endet bald.\r\n` +
        `Besuchen Sie http://tulpen-${n}.tulpen.example/bestellen und waehlen Sie Zwiebeln fuer Ihren Garten.\r\n`,
    );
  const before = await judged(store, campaign(100));
  for (let n = 0; n < 20; n++) await deliver(store, ALICE, campaign(n));
  await client.mailboxOpen('INBOX');
  assert.ok(await client.messageMove('2:21', 'Junk', { uid: true }));
  assert.deepEqual(await totals(store), { spam: 50, ham: 46 });
  const after = await judged(store, campaign(100));
  assert.ok(before < 0.75 && after > 0.99, `probability ${before} before, ${after} after the 20 corrections`);
  // The ham the account had learned is still judged ham.
  assert.ok((await judged(store, fixtures('ham')[50]!)) < 0.1);
});

test('mail appended to Sent is learned as ham and its recipients become known correspondents; so do senders of ham moved out of Junk', async (t) => {
  const { store, port } = await startImapServer(t);
  const account = await addAccount(store, ALICE);
  const client = await imapflow(t, port, ALICE);
  await client.append('Sent', `From: ${ALICE}\r\nTo: Carol <carol@example.net>\r\nCc: dave@example.net\r\nSubject: lunch\r\n\r\nLunch on Friday?\r\n`, ['\\Seen']);
  assert.deepEqual(await totals(store), { spam: 0, ham: 1 });
  assert.deepEqual(await store.knownCorrespondents(account.id, ['carol@example.net', 'dave@example.net', ALICE]), [true, true, false]);
  // A ham the filter had junked, moved back by the user: its sender is known from now on.
  const junk = (await store.getMailbox(account.id, 'Junk'))!;
  await deliver(store, ALICE, clearHam());
  await store.moveMessages((await store.getMailbox(account.id, 'INBOX'))!.id, [1], junk.id);
  await client.mailboxOpen('Junk');
  assert.ok(await client.messageMove('1', 'INBOX', { uid: true }));
  const sender = /^From: .*?<?([^\s<>]+@[^\s<>]+)>?\s*$/m.exec(clearHam().toString('latin1'))![1]!.toLowerCase();
  assert.deepEqual(await store.knownCorrespondents(account.id, [sender]), [true]);
});

/** The classifier's probability for a message and the account, through the store's counts. */
async function judged(store: Store, raw: Buffer): Promise<number> {
  const account = (await store.getAccount(ALICE))!;
  const tokens = messageTokens(raw);
  const { totals: t, tokens: counts } = await store.spamCounts(account.id, tokens);
  return classify(tokens, counts, t).probability;
}
