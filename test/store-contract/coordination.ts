import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StoreBackend } from './backend.ts';

/** Leases (issue 19): one holder per name until it releases or its store closes; ACME challenge answers, shared until withdrawn or expired. */
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

  test(`${backend.name}: an ACME challenge answer is read back until withdrawn or expired; a second write replaces it`, async (t) => {
    const { store } = await backend.open(t);
    const now = 1_800_000_000_000;
    assert.equal(await store.getAcmeChallenge('http-01:unknown', now), null);
    await store.putAcmeChallenge('http-01:tok', 'tok.thumbprint', now, now + 600_000);
    await store.putAcmeChallenge('tls-alpn-01:mail.example.org', '{"keyPem":"k","certPem":"c"}', now, now + 600_000);
    assert.equal(await store.getAcmeChallenge('http-01:tok', now + 1), 'tok.thumbprint');
    assert.equal(await store.getAcmeChallenge('tls-alpn-01:mail.example.org', now + 1), '{"keyPem":"k","certPem":"c"}');
    assert.equal(await store.getAcmeChallenge('http-01:tok', now + 600_000), null, 'expired at expiresAt');
    assert.equal(await store.getAcmeChallenge('http-01:TOK', now + 1), null, 'keys are exact');

    await store.putAcmeChallenge('http-01:tok', 'tok.other', now + 10, now + 900_000);
    assert.equal(await store.getAcmeChallenge('http-01:tok', now + 700_000), 'tok.other');
    await store.removeAcmeChallenge('http-01:tok');
    await store.removeAcmeChallenge('http-01:tok');
    assert.equal(await store.getAcmeChallenge('http-01:tok', now + 11), null);
    assert.equal(await store.getAcmeChallenge('tls-alpn-01:mail.example.org', now + 11), '{"keyPem":"k","certPem":"c"}', 'withdrawing one leaves the others');
  });

  test(`${backend.name}: publishing an answer drops the expired ones and keeps the live ones`, async (t) => {
    const { store } = await backend.open(t);
    const now = 1_800_000_000_000;
    await store.putAcmeChallenge('http-01:old', 'old.t', now, now + 100);
    await store.putAcmeChallenge('http-01:live', 'live.t', now, now + 10_000);
    await store.putAcmeChallenge('http-01:new', 'new.t', now + 200, now + 10_000);
    // Asked as of before the first expired: what was swept is gone, what was live stays.
    assert.equal(await store.getAcmeChallenge('http-01:old', now), null);
    assert.equal(await store.getAcmeChallenge('http-01:live', now), 'live.t');
    assert.equal(await store.getAcmeChallenge('http-01:new', now + 300), 'new.t');
  });
}
