import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SpamLesson } from '../../src/store/types.ts';
import { writeMessages } from '../../src/delivery/deliver.ts';
import { message } from '../helpers/store.ts';
import { put, withInbox, type StoreBackend } from './backend.ts';

const mark = (n: number) => n.toString(16).padStart(32, '0');
const lesson = (n: number, verdict: 'spam' | 'ham', tokens: string[]): SpamLesson => ({ mark: mark(n), verdict, tokens });

/** The spam filter's role (issue 15): what every backend keeps for the classifier, the lists and greylisting. */
export function spamContract(backend: StoreBackend): void {
  test(`${backend.name}: spam learning counts tokens per class; learning a message again changes nothing`, async (t) => {
    const { store } = await backend.open(t);
    const { account } = await withInbox(store);
    const { account: other } = await withInbox(store, 'bob@example.org');
    assert.deepEqual(await store.learnSpam(account.id, [lesson(1, 'spam', ['viagra', 'cheap']), lesson(2, 'ham', ['meeting', 'cheap'])]), { learned: 2, unchanged: 0 });
    assert.deepEqual(await store.learnSpam(account.id, [lesson(1, 'spam', ['viagra', 'cheap'])]), { learned: 0, unchanged: 1 });
    const counts = await store.spamCounts(account.id, ['viagra', 'cheap', 'meeting', 'unknown']);
    assert.deepEqual(counts.totals, { spam: 1, ham: 1 });
    assert.deepEqual(counts.tokens, [{ spam: 1, ham: 0 }, { spam: 1, ham: 1 }, { spam: 0, ham: 1 }, { spam: 0, ham: 0 }]);
    assert.equal(await store.spamTokenCount(account.id), 3);
    // Another account's classifier is its own.
    assert.deepEqual((await store.spamCounts(other.id, ['viagra'])).tokens, [{ spam: 0, ham: 0 }]);
  });

  test(`${backend.name}: a message learned as spam and then as ham has its spam learning undone`, async (t) => {
    const { store } = await backend.open(t);
    const { account } = await withInbox(store);
    await store.learnSpam(account.id, [lesson(1, 'spam', ['offer', 'free'])]);
    assert.deepEqual(await store.learnSpam(account.id, [lesson(1, 'ham', ['offer', 'free'])]), { learned: 1, unchanged: 0 });
    const counts = await store.spamCounts(account.id, ['offer', 'free']);
    assert.deepEqual(counts.totals, { spam: 0, ham: 1 });
    assert.deepEqual(counts.tokens, [{ spam: 0, ham: 1 }, { spam: 0, ham: 1 }]);
    // Within one batch the last lesson of a message wins.
    await store.learnSpam(account.id, [lesson(2, 'spam', ['x1']), lesson(2, 'ham', ['x1'])]);
    assert.deepEqual((await store.spamCounts(account.id, ['x1'])).tokens, [{ spam: 0, ham: 1 }]);
  });

  test(`${backend.name}: forgetting resets the classifier and keeps the sender lists`, async (t) => {
    const { store, reopen } = await backend.open(t);
    const { account } = await withInbox(store);
    await store.learnSpam(account.id, [lesson(1, 'spam', ['a1', 'b1'])]);
    await store.setSenderEntry(account.id, 'Friend@Example.NET', 'allow');
    await store.setSenderEntry(account.id, 'spam.example', 'block');
    await store.forgetSpam(account.id);
    const again = await reopen();
    assert.deepEqual((await again.spamCounts(account.id, ['a1'])).totals, { spam: 0, ham: 0 });
    assert.equal(await again.spamTokenCount(account.id), 0);
    // Forgotten means a message learned before counts again when learned anew.
    assert.deepEqual(await again.learnSpam(account.id, [lesson(1, 'spam', ['a1'])]), { learned: 1, unchanged: 0 });
    assert.deepEqual(await again.listSenderEntries(account.id), [{ sender: 'friend@example.net', list: 'allow' }, { sender: 'spam.example', list: 'block' }]);
    await again.setSenderEntry(account.id, 'friend@example.net', null);
    assert.deepEqual(await again.listSenderEntries(account.id), [{ sender: 'spam.example', list: 'block' }]);
  });

  test(`${backend.name}: hostile lessons and list entries are refused, nothing written`, async (t) => {
    const { store } = await backend.open(t);
    const { account } = await withInbox(store);
    await assert.rejects(store.learnSpam(account.id, [{ mark: '../../x', verdict: 'spam', tokens: ['a'] }]), { code: 'invalid' });
    await assert.rejects(store.learnSpam(account.id, [{ mark: mark(1), verdict: 'maybe' as 'spam', tokens: ['a'] }]), { code: 'invalid' });
    await assert.rejects(store.learnSpam(account.id, [{ mark: mark(1), verdict: 'spam', tokens: ['x'.repeat(65)] }]), { code: 'invalid' });
    await assert.rejects(store.learnSpam(account.id, [{ mark: mark(1), verdict: 'spam', tokens: Array.from({ length: 5001 }, (_, i) => `t${i}`) }]), { code: 'invalid' });
    for (const bad of ['', 'no spaces@example.org', 'a/b@example.org', 'localhost', '@example.org', 'x'.repeat(300)]) {
      await assert.rejects(store.setSenderEntry(account.id, bad, 'block'), { code: 'invalid' }, bad);
    }
    await assert.rejects(store.getGreylist('../meta/counters'), { code: 'invalid' });
    assert.deepEqual((await store.spamCounts(account.id, [])).totals, { spam: 0, ham: 0 });
    assert.deepEqual(await store.listSenderEntries(account.id), []);
  });

  test(`${backend.name}: known correspondents, and greylist triplets pruned when never passed or passed but idle`, async (t) => {
    const { store } = await backend.open(t);
    const { account } = await withInbox(store);
    await store.addCorrespondents(account.id, ['Carol@Example.NET', 'not an address']);
    assert.deepEqual(await store.knownCorrespondents(account.id, ['carol@example.net', 'dave@example.net']), [true, false]);
    // What is learned as ham makes its correspondents known; spam does not.
    await store.learnSpam(account.id, [{ ...lesson(7, 'spam', ['s']), correspondents: ['eve@example.net'] }, { ...lesson(8, 'ham', ['h']), correspondents: ['Frank@Example.net'] }]);
    assert.deepEqual(await store.knownCorrespondents(account.id, ['eve@example.net', 'frank@example.net']), [false, true]);
    await assert.rejects(store.learnSpam(account.id, [{ ...lesson(9, 'ham', ['h']), correspondents: ['../x'] }]), { code: 'invalid' });
    const [old, passed, fresh, idle, legacy] = [mark(1), mark(2), mark(3), mark(4), mark(5)];
    await store.putGreylist(old, { firstSeen: 1000, passed: false });
    await store.putGreylist(passed, { firstSeen: 1000, passed: true, lastSeen: 9000 });
    await store.putGreylist(fresh, { firstSeen: 5000, passed: false });
    await store.putGreylist(idle, { firstSeen: 1000, passed: true, lastSeen: 3000 });
    // A triplet that passed before lastSeen was kept counts from when it was first seen.
    await store.putGreylist(legacy, { firstSeen: 1000, passed: true });
    assert.equal(await store.pruneGreylist({ unpassedBefore: 2000, passedBefore: 4000 }), 3);
    for (const gone of [old, idle, legacy]) assert.equal(await store.getGreylist(gone), null);
    assert.deepEqual(await store.getGreylist(passed), { firstSeen: 1000, passed: true, lastSeen: 9000 });
    assert.deepEqual(await store.getGreylist(fresh), { firstSeen: 5000, passed: false });
  });

  test(`${backend.name}: lessons given to MOVE, COPY, STORE and APPEND are learned with the change, only for messages it touched, and survive a reopen`, async (t) => {
    const { store, reopen } = await backend.open(t);
    const { account, inbox } = await withInbox(store);
    const junk = (await store.getMailbox(account.id, 'Junk'))!;
    const archive = (await store.getMailbox(account.id, 'Archive'))!;
    const uid = await put(store, inbox, 'buy now');
    await put(store, inbox, 'other');
    // A lesson about a UID the move does not touch (expunged meanwhile) is not learned.
    await store.moveMessages(inbox.id, [uid], junk.id, { lessons: [{ uid, ...lesson(1, 'spam', ['buy']) }, { uid: 99, ...lesson(2, 'spam', ['ghost']) }] });
    let again = await reopen();
    assert.deepEqual(await again.spamCounts(account.id, ['buy', 'ghost']), { totals: { spam: 1, ham: 0 }, tokens: [{ spam: 1, ham: 0 }, { spam: 0, ham: 0 }] });
    // Out of Junk: the same message as ham.
    const [moved] = await again.listMessages(junk.id);
    await again.moveMessages(junk.id, [moved!.uid], archive.id, { lessons: [{ uid: moved!.uid, ...lesson(1, 'ham', ['buy']) }] });
    assert.deepEqual((await again.spamCounts(account.id, ['buy'])).totals, { spam: 0, ham: 1 });
    // A STORE that changes nothing learns nothing; one that changes a flag learns.
    await again.storeFlags(inbox.id, [2], 'add', ['$Junk'], undefined, [{ uid: 2, ...lesson(3, 'spam', ['other']) }]);
    await again.storeFlags(inbox.id, [2], 'add', ['$Junk'], undefined, [{ uid: 2, ...lesson(3, 'ham', ['other']) }]);
    await again.copyMessages(inbox.id, [2], junk.id, { enforceQuota: true, lessons: [{ uid: 2, ...lesson(4, 'spam', ['copied']) }] });
    // An append (to Sent) learns in its own batch; one that writes nothing learns nothing.
    const sent = (await again.getMailbox(account.id, 'Sent'))!;
    const learning = (n: number, token: string) => ({ accountId: account.id, lessons: [lesson(n, 'ham', [token])] });
    await writeMessages(again, [], { enforceQuota: true, atomic: true, learning: learning(6, 'nothing') });
    await writeMessages(again, [{ raw: message('sent'), targets: [{ accountId: account.id, mailboxId: sent.id, prefix: '', flags: [] }] }], { enforceQuota: true, atomic: true, learning: learning(5, 'sent') });
    again = await reopen();
    assert.deepEqual(await again.spamCounts(account.id, ['other', 'copied', 'sent', 'nothing']), {
      totals: { spam: 2, ham: 2 },
      tokens: [{ spam: 1, ham: 0 }, { spam: 1, ham: 0 }, { spam: 0, ham: 1 }, { spam: 0, ham: 0 }],
    });
  });
}
