import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppPassword } from '../../src/store/app-passwords.ts';
import { StoreError } from '../../src/store/types.ts';
import { addAccount } from '../helpers/store.ts';
import type { StoreBackend } from './backend.ts';

const entry = (accountId: number, id: string, name: string, createdAt: number): AppPassword => ({ id, accountId, name, sha256: 'ab'.repeat(32), createdAt });

export function appPasswordContract(backend: StoreBackend): void {
  test(`${backend.name}: the admin role is kept on the account, absent meaning none`, async (t) => {
    const { store, reopen } = await backend.open(t);
    const plain = await addAccount(store, 'alice@example.org');
    assert.notEqual(plain.admin, true);
    const admin = await store.addAccount({ address: 'root@example.org', passwordHash: 'x', quotaBytes: 0, quotaMessages: 0, admin: true });
    assert.equal(admin.admin, true);
    assert.equal((await store.updateAccount('alice@example.org', { admin: true })).admin, true);
    await store.updateAccount('root@example.org', { admin: false });
    const again = await reopen();
    assert.equal((await again.getAccount('alice@example.org'))?.admin, true);
    assert.equal((await again.getAccount('root@example.org'))?.admin, false);
  });

  test(`${backend.name}: app passwords are kept per account, oldest first, and go with their account`, async (t) => {
    const { store, reopen } = await backend.open(t);
    const alice = await addAccount(store, 'alice@example.org');
    const bob = await addAccount(store, 'bob@example.org');
    await store.addAppPassword(entry(alice.id, '00000000000000b2', 'laptop', 2000));
    await store.addAppPassword(entry(alice.id, '00000000000000a1', 'phone', 1000));
    await store.addAppPassword(entry(bob.id, '00000000000000c3', 'tablet', 3000));
    await assert.rejects(store.addAppPassword(entry(alice.id, '00000000000000a1', 'again', 4000)), (e: StoreError) => e.code === 'exists');
    await assert.rejects(store.addAppPassword(entry(9999, '00000000000000d4', 'nobody', 4000)), (e: StoreError) => e.code === 'not-found');
    assert.deepEqual((await store.listAppPasswords(alice.id)).map((p) => p.name), ['phone', 'laptop']);
    assert.deepEqual(await store.listAppPasswords(alice.id).then((l) => l[0]), entry(alice.id, '00000000000000a1', 'phone', 1000));

    await store.removeAppPassword(alice.id, '00000000000000a1');
    await assert.rejects(store.removeAppPassword(alice.id, '00000000000000a1'), (e: StoreError) => e.code === 'not-found');
    await assert.rejects(store.removeAppPassword(alice.id, '00000000000000c3'), (e: StoreError) => e.code === 'not-found', "not another account's");
    const reopened = await reopen();
    assert.deepEqual((await reopened.listAppPasswords(alice.id)).map((p) => p.name), ['laptop']);
    await reopened.removeAccount('alice@example.org');
    assert.deepEqual(await reopened.listAppPasswords(alice.id), []);
    assert.deepEqual((await reopened.listAppPasswords(bob.id)).map((p) => p.name), ['tablet']);
    assert.deepEqual(await reopened.check({ repair: false }), []);
  });
}
