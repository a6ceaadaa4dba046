/**
 * Issue 14, search, sort, thread: SEARCH FROM/TO/CC/BCC by parsed address, SORT by a
 * group's name (answers compared with Dovecot's), sort keys of records stored by
 * older rules, and THREAD=REFERENCES breaking a link that would make a loop.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { isCurrent, type FetchSummary } from '../src/mime/fetch-summary.ts';
import { checkStore } from '../src/store/level/check.ts';
import { keys } from '../src/store/level/keys.ts';
import { put } from '../src/store/level/core.ts';
import type { LevelStore } from '../src/store/level/store.ts';
import type { BlobMeta } from '../src/store/types.ts';
import { startDovecot } from './helpers/dovecot.ts';
import { addAccount, RawImap, startImapServer } from './helpers/imap.ts';

const MESSAGES = [
  [
    'From: <user-from (comment)@ (comment) domain.org>',
    'To: Real Name <user-to (c)@ (c) domain.org>',
    'Cc: user2: blah@domain1.org;',
    'Bcc: <bcc-user (x) @ domain.org>',
    'Subject: one',
  ],
  ['From: zed@example.org', 'To: empty:;', 'Cc: aaa@example.org', 'Subject: two'],
  ['From: "Group Sender" <mmm@example.org>', 'To: nnn@example.org', 'Cc: bbb: ccc@example.org;', 'Subject: three'],
  ['From: kkk:;', 'To: "Zoe" <abc@example.org>, x@y.org', 'Cc: <ddd@example.org>', 'Subject: four'],
].map((lines) => Buffer.from([...lines, '', 'body', ''].join('\r\n')));

const SORTS = ['(CC)', '(TO)', '(FROM)', '(DISPLAYFROM)', '(DISPLAYTO)', '(REVERSE CC SUBJECT)'];

async function session(t: TestContext, port: number, user: string, messages: Buffer[]): Promise<RawImap> {
  const client = await RawImap.connect(port);
  t.after(() => client.close());
  assert.match((await client.exchange('L', `LOGIN ${user} "correct horse battery"`)).at(-1)!, /^L OK/);
  for (const raw of messages) {
    assert.match((await client.exchange('A', Buffer.concat([Buffer.from(`APPEND INBOX {${raw.length}+}\r\n`), raw]))).at(-1)!, /^A OK/);
  }
  assert.match((await client.exchange('S', 'SELECT INBOX')).at(-1)!, /^S OK/);
  return client;
}

async function untagged(client: RawImap, command: string): Promise<string> {
  const responses = await client.exchange('C', command);
  assert.match(responses.at(-1)!, /^C OK/, `${command}: ${responses.at(-1)}`);
  return responses.slice(0, -1).join('\n');
}

test('SEARCH FROM/TO/CC/BCC match the parsed addresses, comments and all', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const c = await session(t, port, 'alice@example.org', MESSAGES);
  for (const [key, want] of [
    ['FROM "user-from@domain.org"', '* SEARCH 1'],
    ['TO "user-to@domain.org"', '* SEARCH 1'],
    ['TO "real name <user-to@domain.org>"', '* SEARCH 1'],
    ['CC "blah@domain1.org"', '* SEARCH 1'],
    ['BCC "bcc-user@domain.org"', '* SEARCH 1'],
    // The header text still matches too, comments included.
    ['FROM "(comment)"', '* SEARCH 1'],
    ['FROM "group sender <mmm@"', '* SEARCH 3'],
    ['TO "x@y.org"', '* SEARCH 4'],
    ['NOT FROM "user-from@domain.org"', '* SEARCH 2 3 4'],
  ]) assert.equal(await untagged(c, `SEARCH ${key}`), want, key);
});

test('SORT CC/FROM/TO/DISPLAYFROM/DISPLAYTO use a group\'s name, as Dovecot does', async (t) => {
  const dovecot = await startDovecot(t);
  if (!dovecot) return;
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const ours = await session(t, port, 'alice@example.org', MESSAGES);
  const theirs = await session(t, dovecot.port, 'alice', MESSAGES);
  for (const criteria of SORTS) {
    const command = `SORT ${criteria} UTF-8 ALL`;
    assert.equal(await untagged(ours, command), await untagged(theirs, command), command);
  }
  // Spelled out: Cc "user2: blah@domain1.org;" sorts as user2, "bbb: ccc@example.org;" as bbb.
  assert.equal(await untagged(ours, 'SORT (CC) UTF-8 ALL'), '* SORT 2 3 4 1');
  assert.equal(await untagged(ours, 'SORT (TO) UTF-8 ALL'), '* SORT 4 2 3 1');
});

/** Rewrites the records of message 1's body as an older Mailfold wrote them. */
async function makeOld(store: LevelStore): Promise<void> {
  const inbox = (await store.getMailbox((await store.getAccount('alice@example.org'))!.id, 'INBOX'))!;
  const [message] = await store.getMessages(inbox.id, [1]);
  const blob = (await store.getBlob(message!.blobId))!;
  const { sortKeys: _, ...fields } = blob.index.fields;
  const old: BlobMeta = { id: blob.id, size: blob.size, chunkSize: blob.chunkSize, chunks: blob.chunks, headerEnd: blob.headerEnd, index: { ...blob.index, fields: { ...fields, sortCc: 'blah', sortTo: 'user-to' } } };
  const [summary] = await store.getFetchSummaries([blob.id]);
  const { wire: __, ...oldSummary } = summary!;
  await store.core.commit([put(keys.blob(blob.id), old), put(keys.blobSummary(blob.id), { ...oldSummary, envelope: oldSummary.envelope.replace(/\)\(/g, ') (') })]);
}

test('records stored by older rules: sorted right at first use, rewritten by store check --repair', async (t) => {
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const c = await session(t, port, 'alice@example.org', MESSAGES);
  const fresh = await untagged(c, 'FETCH 1 ENVELOPE');
  assert.deepEqual(await checkStore(store.core, false), []);
  await makeOld(store);
  assert.equal(await untagged(c, 'SORT (CC) UTF-8 ALL'), '* SORT 2 3 4 1');
  assert.equal(await untagged(c, 'FETCH 1 ENVELOPE'), fresh);
  const problems = await checkStore(store.core, true);
  assert.equal(problems.length, 1, JSON.stringify(problems));
  assert.match(problems[0]!.what, /indexed by older rules/);
  assert.deepEqual(await checkStore(store.core, false), []);
  const inbox = (await store.getMailbox((await store.getAccount('alice@example.org'))!.id, 'INBOX'))!;
  const blob = (await store.getBlob((await store.getMessages(inbox.id, [1]))[0]!.blobId))!;
  assert.equal(blob.index.fields.sortCc, 'user2');
  assert.ok(isCurrent((await store.getFetchSummaries([blob.id]))[0] as FetchSummary));
  assert.equal(await untagged(c, 'SORT (CC) UTF-8 ALL'), '* SORT 2 3 4 1');
});

test('THREAD=REFERENCES breaks a message\'s old parent link when its own last reference would make a loop, as Dovecot does', async (t) => {
  const dovecot = await startDovecot(t);
  if (!dovecot) return;
  const { store, port } = await startImapServer(t);
  await addAccount(store, 'alice@example.org');
  const hour = (h: number) => `Date: Mon, 1 Jan 2024 ${h}:00:00 +0000`;
  // Message 2 puts <x> below message 1; message 3 is <x> and replies to message 2, which is below it.
  const messages = [
    ['Message-ID: <p@x>', hour(10), 'Subject: p'],
    ['Message-ID: <m1@x>', 'References: <p@x> <x@x>', hour(11), 'Subject: m1'],
    ['Message-ID: <x@x>', 'References: <m1@x>', hour(12), 'Subject: x'],
    ['Message-ID: <y@x>', 'In-Reply-To: <x@x>', hour(13), 'Subject: y'],
    ['Message-ID: <z@x>', 'References: <z@x>', hour(14), 'Subject: z'],
  ].map((lines) => Buffer.from([...lines, '', 'body', ''].join('\r\n')));
  const ours = await session(t, port, 'alice@example.org', messages);
  const theirs = await session(t, dovecot.port, 'alice', messages);
  const command = 'THREAD REFERENCES UTF-8 ALL';
  const answer = await untagged(ours, command);
  assert.equal(answer, await untagged(theirs, command));
  assert.equal(answer, '* THREAD (1)(3 (2)(4))(5)');
});
