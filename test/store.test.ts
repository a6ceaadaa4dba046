import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessage } from '../src/delivery/deliver.ts';
import { keys } from '../src/store/level/keys.ts';
import { openLevelStore } from '../src/store/level/store.ts';
import { StoreError, type StoreEvent } from '../src/store/types.ts';
import { addAccount, collect, message, testLevelStore } from './helpers/store.ts';

test('a new account gets INBOX and the special-use mailboxes, subscribed', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const boxes = await store.listMailboxes(alice.id);
  assert.deepEqual(
    boxes.map((m) => [m.name, m.specialUse, m.subscribed]).sort(),
    [['Archive', '\\Archive', true], ['Drafts', '\\Drafts', true], ['INBOX', null, true], ['Junk', '\\Junk', true], ['Sent', '\\Sent', true], ['Trash', '\\Trash', true]],
  );
  assert.equal(new Set(boxes.map((m) => m.uidValidity)).size, boxes.length, 'each mailbox has its own UIDVALIDITY');
  assert.ok((await store.getMailbox(alice.id, 'inbox'))?.name === 'INBOX', 'INBOX is case-insensitive');
});

test('a message to several accounts is stored once and freed with its last copy', async (t) => {
  const { store } = await testLevelStore(t, 4096);
  const alice = await addAccount(store, 'alice@example.org');
  const bob = await addAccount(store, 'bob@example.org');
  const inboxA = (await store.getMailbox(alice.id, 'INBOX'))!;
  const inboxB = (await store.getMailbox(bob.id, 'INBOX'))!;
  const raw = message('shared', 'x'.repeat(10_000) + '\r\n');
  const results = await writeMessage(store, raw, [
    { accountId: alice.id, mailboxId: inboxA.id, prefix: 'Delivered-To: alice@example.org\r\n', flags: [] },
    { accountId: bob.id, mailboxId: inboxB.id, prefix: 'Delivered-To: bob@example.org\r\n', flags: ['\\Seen'] },
  ], { enforceQuota: true });
  assert.ok(results.every((r) => r.ok));
  const [a] = await store.listMessages(inboxA.id);
  const [b] = await store.listMessages(inboxB.id);
  assert.equal(a!.blobId, b!.blobId);
  assert.equal((await collect(store.readMessage(a!))).toString(), 'Delivered-To: alice@example.org\r\n' + raw.toString());
  assert.equal(a!.size, 'Delivered-To: alice@example.org\r\n'.length + raw.length);
  const blob = (await store.getBlob(a!.blobId))!;
  assert.equal(blob.chunks, Math.ceil(raw.length / 4096));

  // Every byte range reads the same bytes as slicing the whole.
  const whole = await collect(store.readMessage(b!));
  for (const [s, e] of [[0, 1], [5, 4100], [4095, 4097], [30, 30], [b!.size - 3, b!.size + 50], [8000, 12000]] as const) {
    assert.deepEqual(await collect(store.readMessage(b!, s, e)), whole.subarray(s, Math.min(e, b!.size)), `range ${s}-${e}`);
  }

  assert.deepEqual(await store.expunge(inboxA.id, [a!.uid]), [a!.uid]);
  assert.ok(await store.getBlob(a!.blobId), 'still referenced by bob');
  await store.expunge(inboxB.id, [b!.uid]);
  assert.equal(await store.getBlob(a!.blobId), null, 'freed with the last copy');
  assert.equal(await store.core.db.get(keys.chunk(a!.blobId, 0)), undefined);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('counters, UIDs and MODSEQ stay exact through flags and expunges', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  const events: StoreEvent[] = [];
  store.on((e) => events.push(e));
  for (let i = 0; i < 5; i++) {
    await writeMessage(store, message(`m${i}`), [{ accountId: alice.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
  }
  let box = (await store.getMailboxById(inbox.id))!;
  assert.deepEqual([box.messages, box.unseen, box.uidNext], [5, 5, 6]);
  const modSeqBefore = box.highestModSeq;

  const changed = await store.storeFlags(inbox.id, [1, 2, 99], 'add', ['\\seen', '$Label1']);
  assert.deepEqual(changed.map((m) => m.flags), [['\\Seen', '$Label1'], ['\\Seen', '$Label1']]);
  box = (await store.getMailboxById(inbox.id))!;
  assert.equal(box.unseen, 3);
  assert.ok(box.highestModSeq > modSeqBefore);
  assert.deepEqual(await store.storeFlags(inbox.id, [1], 'add', ['\\Seen']), [], 'no change, no new modseq');
  await store.storeFlags(inbox.id, [2], 'remove', ['\\SEEN']);
  assert.equal((await store.getMailboxById(inbox.id))!.unseen, 4);

  const beforeExpunge = (await store.getMailboxById(inbox.id))!.highestModSeq;
  await store.expunge(inbox.id, [2, 5]);
  assert.deepEqual(await store.expungedSince(inbox.id, beforeExpunge), [2, 5]);
  assert.deepEqual(await store.expungedSince(inbox.id, beforeExpunge + 1), []);
  await writeMessage(store, message('after'), [{ accountId: alice.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
  const uids = (await store.listMessages(inbox.id)).map((m) => m.uid);
  assert.deepEqual(uids, [1, 3, 4, 6], 'UID 5 is never reused');
  box = (await store.getMailboxById(inbox.id))!;
  assert.deepEqual([box.messages, box.unseen], [4, 3]);
  assert.deepEqual(events.map((e) => e.type), ['append', 'append', 'append', 'append', 'append', 'flags', 'flags', 'expunge', 'append']);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('UIDVALIDITY and UIDNEXT survive a reopen; a recreated mailbox gets a new UIDVALIDITY', async (t) => {
  const { store, dir } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const work = await store.createMailbox(alice.id, 'Work');
  await writeMessage(store, message('w'), [{ accountId: alice.id, mailboxId: work.id, prefix: '', flags: [] }], { enforceQuota: true });
  await store.close();
  const reopened = await openLevelStore(dir, { sync: true, chunkSize: 65536 });
  t.after(() => reopened.close());
  const again = (await reopened.getMailbox(alice.id, 'Work'))!;
  assert.equal(again.uidValidity, work.uidValidity);
  assert.equal(again.uidNext, 2);
  await reopened.deleteMailbox(alice.id, 'Work');
  const recreated = await reopened.createMailbox(alice.id, 'Work');
  assert.ok(recreated.uidValidity > work.uidValidity);
  assert.deepEqual(await reopened.check({ repair: false }), []);
});

test('mailbox hierarchy: rename moves children, delete refuses a parent, bad names refused', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  await store.createMailbox(alice.id, 'Projects');
  await store.createMailbox(alice.id, 'Projects/2026');
  await store.createMailbox(alice.id, 'Projects/2026/Q4');
  await store.createMailbox(alice.id, 'ProjectsOld');
  await store.renameMailbox(alice.id, 'Projects', 'Archive/Projects');
  const names = (await store.listMailboxes(alice.id)).map((m) => m.name).sort();
  assert.ok(names.includes('Archive/Projects/2026/Q4'));
  assert.ok(names.includes('ProjectsOld'), 'a sibling sharing the prefix is not moved');
  assert.ok(!names.some((n) => n.startsWith('Projects/')));
  await assert.rejects(store.deleteMailbox(alice.id, 'Archive/Projects'), (e: StoreError) => e.code === 'conflict');
  await assert.rejects(store.deleteMailbox(alice.id, 'INBOX'), (e: StoreError) => e.code === 'invalid');
  await assert.rejects(store.renameMailbox(alice.id, 'Archive/Projects', 'Archive/Projects/x'), (e: StoreError) => e.code === 'invalid');
  await assert.rejects(store.createMailbox(alice.id, 'ProjectsOld'), (e: StoreError) => e.code === 'exists');
  for (const bad of ['', '/x', 'a//b', 'a/', 'tab\there', 'x'.repeat(2000)]) {
    await assert.rejects(store.createMailbox(alice.id, bad), (e: StoreError) => e.code === 'invalid', JSON.stringify(bad));
  }
  await store.setSubscribed(alice.id, 'ProjectsOld', true);
  assert.equal((await store.getMailbox(alice.id, 'ProjectsOld'))!.subscribed, true);
});

test('quota: bytes and message count are enforced per account', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org', { messages: 2 });
  const bob = await addAccount(store, 'bob@example.org', { bytes: 200 });
  const target = async (id: number) => ({ accountId: id, mailboxId: (await store.getMailbox(id, 'INBOX'))!.id, prefix: '', flags: [] });
  const a = await target(alice.id);
  const b = await target(bob.id);
  const first = await writeMessage(store, message('q1'), [a, b], { enforceQuota: true });
  assert.deepEqual(first.map((r) => r.ok), [true, true]);
  const second = await writeMessage(store, message('q2'), [a, b], { enforceQuota: true });
  assert.deepEqual(second.map((r) => r.ok), [true, false]);
  assert.match((second[1] as { detail: string }).detail, /storage quota/);
  const third = await writeMessage(store, message('q3'), [a], { enforceQuota: true });
  assert.match((third[0] as { detail: string }).detail, /message quota/);
  assert.deepEqual(await store.accountUsage(alice.id), { bytes: (await store.getMailboxById(a.mailboxId))!.size, messages: 2 });
  const appended = await writeMessage(store, message('q4'), [a], { enforceQuota: false });
  assert.equal(appended[0]!.ok, true, 'a caller may bypass the quota (e.g. moving mail inside an account)');
});

test('removing an account frees its mail; domains with accounts cannot be removed', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  await writeMessage(store, message('gone'), [{ accountId: alice.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
  await assert.rejects(store.removeDomain('example.org'), (e: StoreError) => e.code === 'conflict' && /1 account/.test(e.message));
  await store.removeAccount('alice@example.org');
  assert.equal(await store.getAccount('alice@example.org'), null);
  assert.equal(await store.getMailboxById(inbox.id), null);
  const leftovers: string[] = [];
  for await (const key of store.core.db.keys()) if (!key.startsWith('meta/') && !key.startsWith('dom/')) leftovers.push(key);
  assert.deepEqual(leftovers, []);
  await store.removeDomain('example.org');
  assert.deepEqual(await store.listDomains(), []);
});

test('store check finds and repairs broken counters and references', async (t) => {
  const { store } = await testLevelStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  for (const s of ['a', 'b', 'c']) {
    await writeMessage(store, message(s), [{ accountId: alice.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
  }
  const [m1, m2] = await store.listMessages(inbox.id);
  // Damage the store the way a bug would: wrong counters, a lost reference, an orphan body.
  const box = (await store.getMailboxById(inbox.id))!;
  await store.core.db.put(keys.mailbox(inbox.id), Buffer.from(JSON.stringify({ ...box, messages: 7, unseen: 0, uidNext: 2 })));
  await store.core.db.del(keys.ref(m1!.blobId, inbox.id, m1!.uid));
  await store.core.db.del(keys.message(inbox.id, m2!.uid));
  await store.core.db.put(keys.chunk('feedface', 0), Buffer.from('stray'));

  const problems = await store.check({ repair: false });
  const text = problems.map((p) => p.what).join('\n');
  assert.match(text, /messages 7 should be 2/);
  assert.match(text, /uidNext 2 should be 4/);
  assert.match(text, /body reference missing/);
  assert.match(text, new RegExp(`body ${m2!.blobId}: no message refers to it`));
  assert.match(text, /chunk chk\/feedface\/00000000: belongs to no body/);
  assert.ok(problems.every((p) => !p.repaired));

  const repaired = await store.check({ repair: true });
  assert.ok(repaired.length >= 5 && repaired.every((p) => p.repaired));
  assert.deepEqual(await store.check({ repair: false }), []);
  const fixed = (await store.getMailboxById(inbox.id))!;
  assert.deepEqual([fixed.messages, fixed.unseen, fixed.uidNext], [2, 2, 4]);
});

test('a second process cannot open a store in use: one clear error', async (t) => {
  const { dir } = await testLevelStore(t);
  await assert.rejects(openLevelStore(dir, { sync: true, chunkSize: 65536 }), (e: StoreError) => e.code === 'locked' && /locked by another process/.test(e.message));
});
