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
    assert.equal(await first.held(), true, 'the hold stands where it is kept');
    await first.release();
    assert.equal(await first.held(), false);
    assert.equal(await other.held(), true, 'releasing one lease leaves the other');
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

/** Submission limits (docs/scale-out.md): messages and recipients counted in a sliding window. */
export function submissionCountContract(backend: StoreBackend): void {
  const limits = { messages: 3, recipients: 5 };
  const HOUR = 3_600_000;

  test(`${backend.name}: submissions are counted per account within the window, up to the limits`, async (t) => {
    const { store } = await backend.open(t);
    const t0 = 10 * HOUR;
    assert.deepEqual(await store.submissionsSince(1, t0 - HOUR), { messages: 0, recipients: 0 });
    assert.ok(await store.countSubmission(1, t0, 2, t0 - HOUR, limits));
    assert.equal(await store.countSubmission(1, t0 + 1, 4, t0 + 1 - HOUR, limits), null, '2 + 4 recipients pass 5');
    assert.ok(await store.countSubmission(1, t0 + 2, 3, t0 + 2 - HOUR, limits), 'exactly 5');
    assert.equal(await store.countSubmission(1, t0 + 3, 1, t0 + 3 - HOUR, limits), null);
    assert.ok(await store.countSubmission(2, t0 + 3, 1, t0 + 3 - HOUR, limits), 'another account');
    assert.deepEqual(await store.submissionsSince(1, t0 + 3 - HOUR), { messages: 2, recipients: 5 });
    assert.deepEqual(await store.submissionsSince(1, t0), { messages: 1, recipients: 3 }, 'only those after since');
    // The first message leaves the window an hour after it was sent.
    assert.ok(await store.countSubmission(1, t0 + HOUR, 2, t0, limits));
    assert.equal(await store.countSubmission(1, t0 + HOUR + 1, 1, t0 + 1, limits), null, '3 + 2 recipients');
    assert.ok(await store.countSubmission(1, t0 + HOUR + 2, 0, t0 + 2, limits), 'no recipient left, but a message');
    assert.equal(await store.countSubmission(1, t0 + HOUR + 3, 4, t0 + 3, { messages: 0, recipients: 5 }), null, 'recipients alone: 2 + 4');
    assert.ok(await store.countSubmission(1, t0 + HOUR + 3, 0, t0 + 3, { messages: 0, recipients: 0 }), 'no limit');
    assert.deepEqual(await store.submissionsSince(1, t0 + 3), { messages: 3, recipients: 2 });
  });

  test(`${backend.name}: a count taken back frees its slot; an unknown id or another account's does nothing`, async (t) => {
    const { store } = await backend.open(t);
    const at = 20 * HOUR;
    const one = { messages: 1, recipients: 0 };
    const id = await store.countSubmission(7, at, 3, at - HOUR, one);
    assert.ok(id);
    assert.equal(await store.countSubmission(7, at, 1, at - HOUR, one), null);
    await store.uncountSubmission(8, id);
    await store.uncountSubmission(7, id + 1000);
    assert.deepEqual(await store.submissionsSince(7, at - HOUR), { messages: 1, recipients: 3 });
    await store.uncountSubmission(7, id);
    await store.uncountSubmission(7, id);
    assert.deepEqual(await store.submissionsSince(7, at - HOUR), { messages: 0, recipients: 0 });
    assert.ok(await store.countSubmission(7, at, 1, at - HOUR, one));
  });

  test(`${backend.name}: of many counts at once for the last slots, exactly the limit pass`, async (t) => {
    const { store } = await backend.open(t);
    const at = 30 * HOUR;
    const ids = await Promise.all(Array.from({ length: 12 }, (_, i) => store.countSubmission(9, at + i, 1, at - HOUR, limits)));
    assert.equal(ids.filter((id) => id !== null).length, 3);
    assert.equal(new Set(ids.filter((id) => id !== null)).size, 3, 'distinct ids');
    assert.deepEqual(await store.submissionsSince(9, at - HOUR), { messages: 3, recipients: 3 });
  });
}
