import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessage } from '../../src/delivery/deliver.ts';
import type { Mailbox, Store, StoreEvent } from '../../src/store/types.ts';
import { collect, message } from '../helpers/store.ts';
import { put, reread, withInbox, type StoreBackend } from './backend.ts';

/** The mail rules (design rule 2) every backend must keep. */
export function rulesContract(backend: StoreBackend): void {
  test(`${backend.name}: UIDs are never reused: not after an expunge of the last message, a move out, or a reopen`, async (t) => {
    const { store, reopen } = await backend.open(t);
    const { account, inbox } = await withInbox(store);
    const trash = (await store.getMailbox(account.id, 'Trash'))!;
    for (let i = 0; i < 3; i++) await put(store, inbox, `m${i}`);
    await store.expunge(inbox.id, [3]);
    await store.moveMessages(inbox.id, [2], trash.id);
    const again = await reopen();
    const [outcome] = await writeMessage(again, message('next'), [{ accountId: account.id, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
    assert.equal(outcome!.ok && outcome!.uid, 4);
    assert.deepEqual((await again.listMessages(inbox.id)).map((m) => m.uid), [1, 4]);
    assert.equal((await reread(again, inbox)).uidNext, 5);
  });

  test(`${backend.name}: MODSEQ strictly increases on every change of a mailbox, and a message carries its change's MODSEQ`, async (t) => {
    const { store } = await backend.open(t);
    const { account, inbox } = await withInbox(store);
    const archive = (await store.getMailbox(account.id, 'Archive'))!;
    const seen: number[] = [(await reread(store, inbox)).highestModSeq];
    const step = async (what: string, change: () => Promise<unknown>) => {
      await change();
      const now = (await reread(store, inbox)).highestModSeq;
      assert.ok(now > seen.at(-1)!, `${what}: ${now} after ${seen.at(-1)}`);
      seen.push(now);
    };
    await step('append', () => put(store, inbox, 'a'));
    await step('append', () => put(store, inbox, 'b'));
    await step('flags', () => store.storeFlags(inbox.id, [1], 'add', ['\\Seen']));
    await step('flags on two', () => store.storeFlags(inbox.id, [1, 2], 'add', ['$x']));
    await step('copy in', () => store.copyMessages(inbox.id, [1], inbox.id, { enforceQuota: true }));
    await step('move out', () => store.moveMessages(inbox.id, [2], archive.id));
    await step('expunge', () => store.expunge(inbox.id, [1]));
    const [last] = await store.listMessages(inbox.id);
    assert.equal(last!.modSeq, seen[5], 'the copy carries the MODSEQ of the change that made it');
    const before = seen.at(-1)!;
    await store.storeFlags(inbox.id, [last!.uid], 'add', ['$x']);
    assert.equal((await reread(store, inbox)).highestModSeq, before, 'no change, no MODSEQ');
  });

  test(`${backend.name}: expunges leave records that QRESYNC can ask for by MODSEQ`, async (t) => {
    const { store } = await backend.open(t);
    const { account, inbox } = await withInbox(store);
    const archive = (await store.getMailbox(account.id, 'Archive'))!;
    for (let i = 0; i < 5; i++) await put(store, inbox, `m${i}`);
    const m0 = (await reread(store, inbox)).highestModSeq;
    await store.expunge(inbox.id, [2]);
    const m1 = (await reread(store, inbox)).highestModSeq;
    await store.moveMessages(inbox.id, [4], archive.id);
    await store.expunge(inbox.id, [99]);
    assert.deepEqual(await store.expungedSince(inbox.id, 0), [2, 4]);
    assert.deepEqual(await store.expungedSince(inbox.id, m0), [2, 4]);
    assert.deepEqual(await store.expungedSince(inbox.id, m1), [4]);
    assert.deepEqual(await store.expungedSince(inbox.id, (await reread(store, inbox)).highestModSeq), []);
    assert.deepEqual(await store.expungedSince(archive.id, 0), []);
  });

  test(`${backend.name}: quotas: bytes and messages per account, across mailboxes; a move is free; the usage is the sum`, async (t) => {
    const { store } = await backend.open(t);
    const { account: alice, inbox: a } = await withInbox(store, 'alice@example.org', { messages: 2 });
    const { account: bob, inbox: b } = await withInbox(store, 'bob@example.org', { bytes: 200 });
    const target = (m: Mailbox) => ({ accountId: m.accountId, mailboxId: m.id, prefix: '', flags: [] });
    const first = await writeMessage(store, message('q1'), [target(a), target(b)], { enforceQuota: true });
    assert.deepEqual(first.map((r) => r.ok), [true, true]);
    const second = await writeMessage(store, message('q2'), [target(a), target(b)], { enforceQuota: true });
    assert.deepEqual(second.map((r) => r.ok), [true, false]);
    assert.match((second[1] as { detail: string }).detail, /storage quota/);
    const sent = (await store.getMailbox(alice.id, 'Sent'))!;
    const third = await writeMessage(store, message('q3'), [target(sent)], { enforceQuota: true });
    assert.match((third[0] as { detail: string }).detail, /message quota/, 'the quota counts every mailbox of the account');
    const usage = await store.accountUsage(alice.id);
    assert.deepEqual(usage, { bytes: (await reread(store, a)).size, messages: 2 });
    assert.ok((await store.moveMessages(a.id, [1], sent.id)).ok, 'a move does not grow the usage');
    assert.deepEqual(await store.accountUsage(alice.id), usage);
    const bypass = await writeMessage(store, message('q4'), [target(a)], { enforceQuota: false });
    assert.equal(bypass[0]!.ok, true, 'a caller may bypass the quota');
    assert.deepEqual(await store.accountUsage(bob.id), { bytes: (await reread(store, b)).size, messages: 1 });
  });

  test(`${backend.name}: concurrent appends to one account get distinct UIDs and exact counters`, async (t) => {
    const { store } = await backend.open(t);
    const { account, inbox } = await withInbox(store, 'alice@example.org', { messages: 30 });
    const sent = (await store.getMailbox(account.id, 'Sent'))!;
    const outcomes = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        writeMessage(store, message(`c${i}`), [{ accountId: account.id, mailboxId: (i % 2 ? sent : inbox).id, prefix: '', flags: [] }], { enforceQuota: true }),
      ),
    );
    const ok = outcomes.flat().filter((o) => o.ok);
    assert.equal(ok.length, 30, 'exactly the quota is taken, however the appends interleave');
    for (const box of [inbox, sent]) {
      const uids = (await store.listMessages(box.id)).map((m) => m.uid);
      assert.equal(new Set(uids).size, uids.length);
      const record = await reread(store, box);
      assert.deepEqual([record.messages, record.uidNext], [uids.length, Math.max(0, ...uids) + 1]);
    }
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: a body lives while any message refers to it: copies, moves, mailbox deletion`, async (t) => {
    const { store } = await backend.open(t, { chunkSize: 4096 });
    const { account, inbox } = await withInbox(store);
    await put(store, inbox, 'shared', [], 'z'.repeat(20_000));
    const [original] = await store.listMessages(inbox.id);
    const work = await store.createMailbox(account.id, 'Work');
    const archive = (await store.getMailbox(account.id, 'Archive'))!;
    await store.copyMessages(inbox.id, [1], work.id, { enforceQuota: false });
    await store.copyMessages(inbox.id, [1], archive.id, { enforceQuota: false });
    await store.expunge(inbox.id, [1]);
    await store.deleteMailbox(account.id, 'Work');
    assert.ok(await store.getBlob(original!.blobId), 'the Archive copy still holds it');
    const [kept] = await store.listMessages(archive.id);
    assert.equal((await collect(store.readMessage(kept!))).length, kept!.size);
    await store.moveMessages(archive.id, [kept!.uid], inbox.id);
    assert.ok(await store.getBlob(original!.blobId), 'a move keeps it');
    const [moved] = await store.listMessages(inbox.id);
    await store.expunge(inbox.id, [moved!.uid]);
    assert.equal(await store.getBlob(original!.blobId), null, 'gone with its last reference');
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: events come after the commit: a listener reads the change it is told about`, async (t) => {
    const { store } = await backend.open(t);
    const { account, inbox } = await withInbox(store);
    const checks: Promise<string>[] = [];
    const unsubscribe = store.on((event: StoreEvent) => checks.push(describe(store, event)));
    await put(store, inbox, 'one');
    await store.storeFlags(inbox.id, [1], 'add', ['\\Flagged']);
    await store.createMailbox(account.id, 'Later');
    await store.expunge(inbox.id, [1]);
    unsubscribe();
    await put(store, inbox, 'unheard');
    assert.deepEqual(await Promise.all(checks), ['append 1 present', 'flags 1 \\Flagged', 'mailboxes Later', 'expunge 1 gone']);
  });
}

/** What a listener sees in the store at the moment it is told (read synchronously started). */
async function describe(store: Store, event: StoreEvent): Promise<string> {
  if (event.type === 'mailboxes') return `mailboxes ${(await store.listMailboxes(event.accountId)).some((m) => m.name === 'Later') ? 'Later' : 'missing'}`;
  const [message] = await store.getMessages(event.mailboxId, event.uids);
  if (event.type === 'append') return `append ${event.uids.join()} ${message ? 'present' : 'missing'}`;
  if (event.type === 'flags') return `flags ${event.uids.join()} ${message?.flags.join() ?? 'missing'}`;
  return `expunge ${event.uids.join()} ${message ? 'present' : 'gone'}`;
}
