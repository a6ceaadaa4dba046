import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect, message } from '../helpers/store.ts';
import { put, withInbox, type StoreBackend } from './backend.ts';

/** Bytes from the network that a database may refuse as text are still stored exactly. */
export function hostileContract(backend: StoreBackend): void {
  test(`${backend.name}: NUL bytes in a body and in a remote server's reply are stored and read back`, async (t) => {
    const { store } = await backend.open(t);
    const { inbox } = await withInbox(store);
    const uid = await put(store, inbox, 'nul', [], 'before\0after \0\0 end\r\n');
    const stored = (await store.getMessage(inbox.id, uid))!;
    const raw = await collect(store.readMessage(stored));
    assert.ok(raw.includes(Buffer.from('before\0after \0\0 end')), 'the bytes are kept');
    assert.deepEqual(raw, message('nul', 'before\0after \0\0 end\r\n'));
    assert.match(await store.getSearchText(stored.blobId), /before.after/);
    const candidates = await store.searchIndex.candidates(inbox.id, 'after', 100);
    assert.ok(candidates.uids === null || candidates.uids.has(uid), 'the index never drops a match');

    const entry = await store.enqueue({ from: 'a@a.test', createdAt: 1, delayWarned: false, recipients: [{ address: 'b@b.test', state: 'pending', attempts: 0, nextAttempt: 1 }] }, Buffer.from('x'));
    const reply = '550 no\0such user \u0000';
    assert.equal(await store.updateQueueEntry({ ...entry, recipients: [{ ...entry.recipients[0]!, lastResult: reply }] }), true);
    assert.equal((await store.getQueueEntry(entry.id))?.recipients[0]?.lastResult, reply);
  });
}
