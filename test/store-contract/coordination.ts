import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreBackend } from './backend.ts';

/** Leases (issue 19): one holder per name until it releases or its store closes. */
export function coordinationContract(backend: StoreBackend): void {
  test(`${backend.name}: a lease has one holder until released; names are independent; a second release does nothing`, async (t) => {
    const { store } = await backend.open(t);
    const first = await store.tryLease('pop3:1');
    assert.ok(first);
    assert.equal(await store.tryLease('pop3:1'), null);
    const other = await store.tryLease('pop3:2');
    assert.ok(other);
    await first.release();
    await first.release();
    const again = await store.tryLease('pop3:1');
    assert.ok(again, 'free again once released');
    assert.equal(await store.tryLease('pop3:2'), null, 'a second release of another lease freed nothing else');
    await Promise.all([again.release(), other.release()]);
  });

  test(`${backend.name}: of many takers at once, exactly one gets the lease`, async (t) => {
    const { store } = await backend.open(t);
    const leases = await Promise.all(Array.from({ length: 8 }, () => store.tryLease('acme-order')));
    assert.equal(leases.filter(Boolean).length, 1);
    await leases.find(Boolean)!.release();
  });

  test(`${backend.name}: leases end with the store that held them`, async (t) => {
    const { store, reopen } = await backend.open(t);
    assert.ok(await store.tryLease('pop3:7'));
    const reopened = await reopen();
    const lease = await reopened.tryLease('pop3:7');
    assert.ok(lease);
    await lease.release();
  });
}
