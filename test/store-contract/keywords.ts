import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeMessage } from '../../src/delivery/deliver.ts';
import { DEFAULT_MAX_KEYWORDS, MAX_KEYWORD_LENGTH } from '../../src/store/rules/keywords.ts';
import { StoreError, type Store, type Mailbox } from '../../src/store/types.ts';
import { message } from '../helpers/store.ts';
import { put, withInbox, type StoreBackend } from './backend.ts';

const limit = (err: unknown): boolean => err instanceof StoreError && err.code === 'limit';
const keywords = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const flagsOf = async (store: Store, mailbox: Mailbox): Promise<string[][]> => (await store.messageStates(mailbox.id)).map((m) => m.flags);

export function keywordContract(backend: StoreBackend): void {
  test(`${backend.name}: a mailbox holds at most ${DEFAULT_MAX_KEYWORDS} keywords: a new one past it is refused whole by STORE, APPEND, COPY and MOVE; known ones still work`, async (t) => {
    const { store } = await backend.open(t);
    const { account, inbox } = await withInbox(store);
    const full = keywords('k', DEFAULT_MAX_KEYWORDS);
    const [a, b] = [await put(store, inbox, 'a'), await put(store, inbox, 'b', ['\\Seen'])];
    assert.equal((await store.storeFlags(inbox.id, [a], 'add', full)).length, 1);
    const before = await flagsOf(store, inbox);

    await assert.rejects(store.storeFlags(inbox.id, [a, b], 'add', ['new']), limit);
    await assert.rejects(store.storeFlags(inbox.id, [a, b], 'set', ['k0', 'new']), limit, 'a known keyword does not carry a new one in');
    assert.deepEqual(await flagsOf(store, inbox), before, 'nothing half-applied');
    await assert.rejects(put(store, inbox, 'c', ['new']), limit);
    assert.equal((await store.messageStates(inbox.id)).length, 2);

    // Keywords the mailbox holds, and system flags, are still set, added and removed.
    assert.equal((await store.storeFlags(inbox.id, [b], 'add', ['k5', '\\Flagged'])).length, 1);
    assert.equal((await store.storeFlags(inbox.id, [a], 'remove', ['k1'])).length, 1);
    await put(store, inbox, 'd', ['k7', '\\Draft']);

    // Into a mailbox full of other keywords, a message with new ones is refused; into an empty one it goes.
    const other = await store.createMailbox(account.id, 'Other');
    await put(store, other, 'o', keywords('o', DEFAULT_MAX_KEYWORDS));
    await assert.rejects(store.copyMessages(inbox.id, [a], other.id, { enforceQuota: true }), limit);
    await assert.rejects(store.moveMessages(inbox.id, [a], other.id), limit);
    assert.equal((await store.messageStates(other.id)).length, 1);
    assert.equal((await store.messageStates(inbox.id)).length, 3, 'the refused MOVE expunged nothing');
    const empty = await store.createMailbox(account.id, 'Empty');
    const copied = await store.copyMessages(inbox.id, [a], empty.id, { enforceQuota: true });
    assert.ok(copied.ok && copied.copies.length === 1);
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: a keyword longer than ${MAX_KEYWORD_LENGTH} bytes is refused, one of ${MAX_KEYWORD_LENGTH} taken`, async (t) => {
    const { store } = await backend.open(t);
    const { inbox } = await withInbox(store);
    const uid = await put(store, inbox, 'a');
    await assert.rejects(store.storeFlags(inbox.id, [uid], 'add', ['x'.repeat(MAX_KEYWORD_LENGTH + 1)]), limit);
    await assert.rejects(store.storeFlags(inbox.id, [uid], 'add', ['é'.repeat(MAX_KEYWORD_LENGTH / 2 + 1)]), limit, 'bytes, not characters');
    const [r] = await writeMessage(store, message('b'), [{ accountId: inbox.accountId, mailboxId: inbox.id, prefix: '', flags: ['y'.repeat(MAX_KEYWORD_LENGTH + 1)] }], { enforceQuota: true }).catch((err: unknown) => [err]);
    assert.ok(limit(r));
    assert.equal((await store.storeFlags(inbox.id, [uid], 'add', ['x'.repeat(MAX_KEYWORD_LENGTH)])).length, 1);
    assert.deepEqual((await store.messageStates(inbox.id)).map((m) => m.flags), [['x'.repeat(MAX_KEYWORD_LENGTH)]]);
  });
}
