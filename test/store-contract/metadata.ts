import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withInbox, type StoreBackend } from './backend.ts';

/** IMAP METADATA (RFC 5464): entries per mailbox and for the server, within the account's limits. */
export function metadataContract(backend: StoreBackend): void {
  test(`${backend.name}: annotations are kept per mailbox and for the server, refused whole past the limits, and go with their mailbox`, async (t) => {
    const { store } = await backend.open(t);
    const { account, inbox } = await withInbox(store);
    const work = await store.createMailbox(account.id, 'Work');
    const limits = { maxEntries: 3, maxBytes: 1000 };
    assert.deepEqual(await store.setMetadata(account.id, null, [{ entry: '/private/comment', value: Buffer.from('server note') }], limits), { ok: true });
    assert.deepEqual(await store.setMetadata(account.id, work.id, [{ entry: '/private/comment', value: Buffer.from('work note') }], limits), { ok: true });
    assert.deepEqual((await store.listMetadata(account.id, null)).map((e) => [e.entry, e.value.toString()]), [['/private/comment', 'server note']]);
    assert.deepEqual((await store.listMetadata(account.id, work.id)).map((e) => e.value.toString()), ['work note']);
    assert.deepEqual(await store.listMetadata(account.id, inbox.id), []);

    const tooMany = [{ entry: '/private/a', value: Buffer.from('1') }, { entry: '/private/b', value: Buffer.from('2') }];
    assert.deepEqual(await store.setMetadata(account.id, inbox.id, tooMany, limits), { ok: false, reason: 'too-many' });
    assert.deepEqual(await store.listMetadata(account.id, inbox.id), [], 'nothing of a refused change is kept');
    assert.deepEqual(await store.setMetadata(account.id, inbox.id, [{ entry: '/private/big', value: Buffer.alloc(2000) }], limits), { ok: false, reason: 'too-big' });

    await store.deleteMailbox(account.id, 'Work');
    assert.deepEqual(await store.setMetadata(account.id, inbox.id, tooMany, limits), { ok: true }, "the deleted mailbox's entries no longer count");
    assert.deepEqual(await store.setMetadata(account.id, null, [{ entry: '/private/comment', value: null }], limits), { ok: true });
    assert.deepEqual(await store.listMetadata(account.id, null), []);
  });
}
