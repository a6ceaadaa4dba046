import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError } from '../../src/store/types.ts';
import { addAccount } from '../helpers/store.ts';
import { put, withInbox, type StoreBackend } from './backend.ts';

export function directoryContract(backend: StoreBackend): void {
  test(`${backend.name}: a new account gets INBOX and the special-use mailboxes, subscribed`, async (t) => {
    const { store } = await backend.open(t);
    const alice = await addAccount(store, 'alice@example.org');
    const boxes = await store.listMailboxes(alice.id);
    assert.deepEqual(
      boxes.map((m) => [m.name, m.specialUse, m.subscribed]).sort(),
      [['Archive', '\\Archive', true], ['Drafts', '\\Drafts', true], ['INBOX', null, true], ['Junk', '\\Junk', true], ['Sent', '\\Sent', true], ['Trash', '\\Trash', true]],
    );
    assert.equal(new Set(boxes.map((m) => m.uidValidity)).size, boxes.length, 'each mailbox has its own UIDVALIDITY');
    assert.ok((await store.getMailbox(alice.id, 'inbox'))?.name === 'INBOX', 'INBOX is case-insensitive');
    assert.equal((await store.getAccountById(alice.id))?.address, 'alice@example.org');
  });

  test(`${backend.name}: an address is an account or an alias, of an existing domain`, async (t) => {
    const { store } = await backend.open(t);
    const orphan = { address: 'x@nowhere.test', passwordHash: 'x', quotaBytes: 0, quotaMessages: 0 };
    await assert.rejects(store.addAccount(orphan), (e: StoreError) => e.code === 'not-found');
    await assert.rejects(store.addAlias('y@nowhere.test', ['x@a.test']), (e: StoreError) => e.code === 'not-found');
    await addAccount(store, 'alice@example.org');
    await assert.rejects(store.addAlias('alice@example.org', ['bob@example.net']), (e: StoreError) => e.code === 'exists');
    await store.addAlias('team@example.org', ['alice@example.org', 'bob@example.net']);
    await assert.rejects(addAccount(store, 'team@example.org'), (e: StoreError) => e.code === 'exists');
    assert.deepEqual((await store.getAlias('team@example.org'))?.targets, ['alice@example.org', 'bob@example.net']);
    assert.deepEqual((await store.listAliases('example.org')).map((a) => a.address), ['team@example.org']);
    assert.deepEqual(await store.listAliases('example.com'), []);
    const updated = await store.updateAccount('alice@example.org', { disabled: true, quotaMessages: 5 });
    assert.deepEqual([updated.disabled, updated.quotaMessages], [true, 5]);
    assert.deepEqual([(await store.getAccount('alice@example.org'))?.disabled, (await store.getAccountById(updated.id))?.quotaMessages], [true, 5]);
  });

  test(`${backend.name}: removing an account frees its mail; domains with accounts cannot be removed`, async (t) => {
    const { store } = await backend.open(t);
    const { account, inbox } = await withInbox(store);
    await put(store, inbox, 'gone');
    const [message] = await store.listMessages(inbox.id);
    await assert.rejects(store.removeDomain('example.org'), (e: StoreError) => e.code === 'conflict' && /1 account/.test(e.message));
    await store.removeAccount('alice@example.org');
    assert.equal(await store.getAccount('alice@example.org'), null);
    assert.equal(await store.getAccountById(account.id), null);
    assert.equal(await store.getMailboxById(inbox.id), null);
    assert.deepEqual(await store.listMailboxes(account.id), []);
    assert.equal(await store.getBlob(message!.blobId), null, 'its last reference gone, the body goes');
    await store.removeDomain('example.org');
    assert.deepEqual(await store.listDomains(), []);
    assert.deepEqual(await store.check({ repair: false }), []);
  });
}
