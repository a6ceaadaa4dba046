import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { writeMessage, writeMessages } from '../../src/delivery/deliver.ts';
import type { StoreEvent } from '../../src/store/types.ts';
import { addAccount, collect, message } from '../helpers/store.ts';
import { put, reread, withInbox, type StoreBackend } from './backend.ts';

export function messageContract(backend: StoreBackend): void {
  /** Alice (5-message quota) with three messages in INBOX, each with the prefix a delivery adds. */
  async function setup(t: TestContext) {
    const { store } = await backend.open(t, { chunkSize: 4096 });
    const { account, inbox } = await withInbox(store, 'alice@example.org', { messages: 5 });
    const archive = (await store.getMailbox(account.id, 'Archive'))!;
    for (const [i, flags] of [[], ['\\Seen'], ['$Label']].entries()) {
      const [r] = await writeMessage(store, message(`m${i}`, 'y'.repeat(9000)), [{ accountId: account.id, mailboxId: inbox.id, prefix: 'Delivered-To: alice@example.org\r\n', flags }], { enforceQuota: true });
      assert.ok(r!.ok);
    }
    return { store, inbox, archive };
  }

  test(`${backend.name}: a message to several accounts is stored once, read in any range, and freed with its last copy`, async (t) => {
    const { store } = await backend.open(t, { chunkSize: 4096 });
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
    assert.deepEqual([blob.size, blob.chunks], [raw.length, Math.ceil(raw.length / 4096)]);
    assert.deepEqual((await store.getBlobs([a!.blobId, 'missing'])).map((x) => x?.id ?? null), [a!.blobId, null]);
    const [summary, none] = await store.getFetchSummaries([a!.blobId, 'missing']);
    assert.ok(summary && none === null, 'the fetch summary delivery computed is kept');
    assert.match(await store.getSearchText(a!.blobId), /x{100}/);

    // Every byte range reads the same bytes as slicing the whole, directly or through a body reader.
    const whole = await collect(store.readMessage(b!));
    const ranges = [[0, 1], [5, 4100], [4095, 4097], [30, 30], [b!.size - 3, b!.size + 50], [8000, 12000]] as const;
    const reader = store.bodyReader(ranges.map(([start, end]) => ({ message: b!, start, end })));
    for (const [s, e] of ranges) {
      assert.deepEqual(await collect(store.readMessage(b!, s, e)), whole.subarray(s, Math.min(e, b!.size)), `range ${s}-${e}`);
      assert.deepEqual(await collect(reader.read(b!, s, e)), whole.subarray(s, Math.min(e, b!.size)), `reader range ${s}-${e}`);
    }

    assert.deepEqual(await store.expunge(inboxA.id, [a!.uid]), [a!.uid]);
    assert.ok(await store.getBlob(a!.blobId), 'still referenced by bob');
    await store.expunge(inboxB.id, [b!.uid]);
    assert.equal(await store.getBlob(a!.blobId), null, 'freed with the last copy');
    assert.deepEqual(await store.getSearchTexts([a!.blobId]), ['']);
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: counters, UIDs and MODSEQ stay exact through flags and expunges`, async (t) => {
    const { store } = await backend.open(t);
    const { inbox } = await withInbox(store);
    const events: StoreEvent[] = [];
    store.on((e) => events.push(e));
    for (let i = 0; i < 5; i++) await put(store, inbox, `m${i}`);
    let box = await reread(store, inbox);
    assert.deepEqual([box.messages, box.unseen, box.uidNext], [5, 5, 6]);
    const modSeqBefore = box.highestModSeq;

    const changed = await store.storeFlags(inbox.id, [1, 2, 99], 'add', ['\\seen', '$Label1']);
    assert.deepEqual(changed.map((m) => m.flags), [['\\Seen', '$Label1'], ['\\Seen', '$Label1']]);
    box = await reread(store, inbox);
    assert.equal(box.unseen, 3);
    assert.ok(box.highestModSeq > modSeqBefore);
    assert.deepEqual(await store.storeFlags(inbox.id, [1], 'add', ['\\Seen']), [], 'no change, no new modseq');
    await store.storeFlags(inbox.id, [2], 'remove', ['\\SEEN']);
    assert.equal((await reread(store, inbox)).unseen, 4);
    await store.storeFlags(inbox.id, [3], 'set', ['$Only', '$only']);
    assert.deepEqual((await store.getMessage(inbox.id, 3))!.flags, ['$Only'], 'keywords compare case-insensitively');

    const beforeExpunge = (await reread(store, inbox)).highestModSeq;
    await store.expunge(inbox.id, [2, 5]);
    assert.deepEqual(await store.expungedSince(inbox.id, beforeExpunge), [2, 5]);
    assert.deepEqual(await store.expungedSince(inbox.id, beforeExpunge + 1), []);
    await put(store, inbox, 'after');
    const uids = (await store.listMessages(inbox.id)).map((m) => m.uid);
    assert.deepEqual(uids, [1, 3, 4, 6], 'UID 5 is never reused');
    box = await reread(store, inbox);
    assert.deepEqual([box.messages, box.unseen], [4, 3]);
    assert.deepEqual(events.map((e) => e.type), ['append', 'append', 'append', 'append', 'append', 'flags', 'flags', 'flags', 'expunge', 'append']);
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: getMessages reads records in the order asked, null for missing ones`, async (t) => {
    const { store, inbox } = await setup(t);
    const got = await store.getMessages(inbox.id, [3, 9, 1]);
    assert.deepEqual(got.map((m) => m?.uid ?? null), [3, null, 1]);
    assert.equal((await store.getMessage(inbox.id, 2))?.uid, 2);
    assert.equal(await store.getMessage(inbox.id, 9), null);
  });

  test(`${backend.name}: copyMessages shares the body, keeps flags and dates, counts and emits after commit`, async (t) => {
    const { store, inbox, archive } = await setup(t);
    const events: StoreEvent[] = [];
    store.on((e) => events.push(e));
    const before = await reread(store, archive);
    const outcome = await store.copyMessages(inbox.id, [3, 1, 2, 7], archive.id, { enforceQuota: false });
    assert.ok(outcome.ok);
    assert.equal(outcome.uidValidity, archive.uidValidity);
    assert.deepEqual(outcome.copies, [{ from: 1, to: 1 }, { from: 2, to: 2 }, { from: 3, to: 3 }]);
    const source = await store.listMessages(inbox.id);
    const copies = await store.listMessages(archive.id);
    assert.deepEqual(copies.map((m) => m.flags), source.map((m) => m.flags));
    assert.deepEqual(copies.map((m) => m.internalDate), source.map((m) => m.internalDate));
    assert.deepEqual(copies.map((m) => m.blobId), source.map((m) => m.blobId));
    assert.deepEqual(await collect(store.readMessage(copies[0]!)), await collect(store.readMessage(source[0]!)));
    const after = await reread(store, archive);
    assert.deepEqual([after.messages, after.unseen, after.uidNext, after.size], [3, 2, 4, source.reduce((n, m) => n + m.size, 0)]);
    assert.ok(after.highestModSeq > before.highestModSeq);
    assert.deepEqual(events, [{ type: 'append', accountId: inbox.accountId, mailboxId: archive.id, uids: [1, 2, 3], modSeq: after.highestModSeq }]);
    // Each copy holds its own reference: expunging the sources leaves the bodies in place.
    await store.expunge(inbox.id, [1, 2, 3]);
    assert.equal((await collect(store.readMessage(copies[1]!))).length, copies[1]!.size);
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: copyMessages refuses over quota and into another account, changing nothing`, async (t) => {
    const { store, inbox, archive } = await setup(t);
    const over = await store.copyMessages(inbox.id, [1, 2, 3], archive.id, { enforceQuota: true });
    assert.equal(over.ok === false && over.reason, 'quota');
    assert.equal((await store.listMessages(archive.id)).length, 0);
    const bob = await addAccount(store, 'bob@example.org');
    const bobInbox = (await store.getMailbox(bob.id, 'INBOX'))!;
    const foreign = await store.copyMessages(inbox.id, [1], bobInbox.id, { enforceQuota: false });
    assert.equal(foreign.ok === false && foreign.reason, 'no-mailbox');
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: moveMessages moves in one batch: new UIDs, expunge records, both counters, two events`, async (t) => {
    const { store, inbox, archive } = await setup(t);
    const events: StoreEvent[] = [];
    store.on((e) => events.push(e));
    const outcome = await store.moveMessages(inbox.id, [1, 3], archive.id);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.copies, [{ from: 1, to: 1 }, { from: 3, to: 2 }]);
    assert.deepEqual((await store.listMessages(inbox.id)).map((m) => m.uid), [2]);
    assert.deepEqual((await store.listMessages(archive.id)).map((m) => m.flags), [[], ['$Label']]);
    const source = await reread(store, inbox);
    assert.deepEqual([source.messages, source.unseen], [1, 0]);
    assert.deepEqual(await store.expungedSince(inbox.id, 0), [1, 3]);
    assert.deepEqual(events.map((e) => e.type === 'mailboxes' ? e.type : [e.type, e.mailboxId, e.uids]), [
      ['append', archive.id, [1, 2]],
      ['expunge', inbox.id, [1, 3]],
    ]);
    // The references moved with the messages: the moved copies keep their bodies when the rest goes.
    await store.expunge(inbox.id, [2]);
    for (const moved of await store.listMessages(archive.id)) assert.equal((await collect(store.readMessage(moved))).length, moved.size);
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: moveMessages within one mailbox renumbers, and UIDs are never reused`, async (t) => {
    const { store, inbox } = await setup(t);
    const outcome = await store.moveMessages(inbox.id, [2], inbox.id);
    assert.ok(outcome.ok);
    assert.deepEqual(outcome.copies, [{ from: 2, to: 4 }]);
    assert.deepEqual((await store.listMessages(inbox.id)).map((m) => m.uid), [1, 3, 4]);
    const mailbox = await reread(store, inbox);
    assert.deepEqual([mailbox.messages, mailbox.uidNext], [3, 5]);
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: storeFlags with unchangedSince leaves newer messages alone`, async (t) => {
    const { store, inbox } = await setup(t);
    const [first] = await store.storeFlags(inbox.id, [1], 'add', ['\\Flagged']);
    const changed = await store.storeFlags(inbox.id, [1, 2], 'add', ['\\Answered'], first!.modSeq - 1);
    assert.deepEqual(changed.map((m) => m.uid), [2]);
    assert.deepEqual((await store.getMessage(inbox.id, 1))!.flags, ['\\Flagged']);
  });

  test(`${backend.name}: appendMany: several bodies in one batch; atomic means all or nothing`, async (t) => {
    const { store } = await backend.open(t);
    const { account, inbox } = await withInbox(store, 'alice@example.org', { messages: 3 });
    const events: StoreEvent[] = [];
    store.on((e) => events.push(e));
    const target = (flags: string[] = []) => [{ accountId: account.id, mailboxId: inbox.id, prefix: '', flags }];
    const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ raw: message(`b${i}`), targets: target([`$k${i}`]) }));

    const refused = await writeMessages(store, batch(4), { enforceQuota: true, atomic: true });
    assert.deepEqual(refused.map((r) => r[0]!.ok), [true, true, true, false]);
    assert.deepEqual(await store.listMessages(inbox.id), []);
    assert.equal(events.length, 0);
    assert.equal((await reread(store, inbox)).uidNext, 1);

    const written = await writeMessages(store, batch(2), { enforceQuota: true, atomic: true });
    assert.deepEqual(written.map((r) => r[0]!.ok && r[0]!.uid), [1, 2]);
    const stored = await store.listMessages(inbox.id);
    assert.deepEqual(stored.map((m) => m.flags), [['$k0'], ['$k1']]);
    assert.notEqual(stored[0]!.blobId, stored[1]!.blobId);
    assert.ok((await collect(store.readMessage(stored[1]!))).toString().includes('Subject: b1'));
    assert.deepEqual(events.map((e) => e.type), ['append', 'append']);

    // Not atomic: what fits is written.
    const partial = await writeMessages(store, batch(2), { enforceQuota: true, atomic: false });
    assert.deepEqual(partial.map((r) => r[0]!.ok), [true, false]);
    assert.equal((await store.listMessages(inbox.id)).length, 3);
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: messageStates answers what the records say, in bulk: UIDs, MODSEQs, flags and sizes, through every change`, async (t) => {
    const { store, inbox, archive } = await setup(t);
    const states = (list: { uid: number; modSeq: number; flags: string[]; size: number }[]) => list.map(({ uid, modSeq, flags, size }) => ({ uid, modSeq, flags, size }));
    const same = async (mailboxId: number, why: string) => assert.deepEqual(await store.messageStates(mailboxId), states(await store.listMessages(mailboxId)), why);
    await same(inbox.id, 'after appends');
    assert.deepEqual((await store.messageStates(inbox.id)).map((m) => m.flags), [[], ['\\Seen'], ['$Label']], 'flags in the order they were set');

    const unseen = (await reread(store, inbox)).unseen;
    const changed = await store.storeFlags(inbox.id, [3, 1, 42, 3], 'add', ['$New', '\\Flagged', '\\Seen']);
    assert.deepEqual(changed.map((m) => [m.uid, m.flags]), [[3, ['$Label', '$New', '\\Flagged', '\\Seen']], [1, ['$New', '\\Flagged', '\\Seen']]]);
    const box = await reread(store, inbox);
    assert.equal(box.unseen, unseen - 2, 'a UID named twice counts once');
    assert.ok(changed.every((m) => m.modSeq === box.highestModSeq), 'a STORE gives its changes one new MODSEQ');
    assert.deepEqual(states((await store.getMessages(inbox.id, [1, 3])).map((m) => m!)), states(changed.slice().reverse()), 'records read later have the new flags');
    await same(inbox.id, 'after a flag change');

    // Only the UIDs asked for that exist, ascending, whatever the order asked in.
    assert.deepEqual((await store.messageStates(inbox.id, [3, 99, 1, 3])).map((m) => m.uid), [1, 3]);
    assert.deepEqual(await store.messageStates(inbox.id, []), []);
    assert.deepEqual(await store.messageStates(inbox.id, [5000, 2 ** 31]), []);

    const copied = await store.copyMessages(inbox.id, [1, 3], archive.id, { enforceQuota: false });
    assert.ok(copied.ok);
    assert.deepEqual((await store.messageStates(archive.id)).map((m) => m.flags), [['$New', '\\Flagged', '\\Seen'], ['$Label', '$New', '\\Flagged', '\\Seen']], 'a copy keeps the current flags');
    await store.moveMessages(inbox.id, [2], archive.id);
    await store.expunge(inbox.id, [3]);
    await same(inbox.id, 'after a move and an expunge');
    await same(archive.id, 'the target of a copy and a move');
    assert.deepEqual((await store.messageStates(inbox.id)).map((m) => m.uid), [1]);

    // A mailbox deleted (by another session, say) reads as empty, not as an error.
    const gone = await store.createMailbox(inbox.accountId, 'Gone');
    await store.copyMessages(inbox.id, [1], gone.id, { enforceQuota: false });
    await store.deleteMailbox(inbox.accountId, 'Gone');
    assert.deepEqual([await store.messageStates(gone.id), await store.messageStates(gone.id, [1]), await store.listMessages(gone.id)], [[], [], []]);
    assert.deepEqual(await store.check({ repair: false }), []);
  });
}
