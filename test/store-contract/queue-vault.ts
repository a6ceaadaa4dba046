import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DkimKey } from '../../src/store/types.ts';
import { collect } from '../helpers/store.ts';
import type { StoreBackend } from './backend.ts';

export function queueVaultContract(backend: StoreBackend): void {
  test(`${backend.name}: the queue keeps a message and its recipients until it is removed`, async (t) => {
    const { store, reopen } = await backend.open(t, { chunkSize: 4096 });
    const raw = Buffer.alloc(10_000, 'a');
    const entry = await store.enqueue(
      { from: 'a@a.test', createdAt: 1, delayWarned: false, recipients: [{ address: 'b@b.test', state: 'pending', attempts: 0, nextAttempt: 1 }] },
      raw,
    );
    assert.equal(entry.size, raw.length);
    const second = await store.enqueue({ from: '', createdAt: 2, delayWarned: false, recipients: [] }, Buffer.from('x'));
    // RFC 8689: REQUIRETLS (true) and `TLS-Required: No` (false) outlive a restart.
    const strict = await store.enqueue({ from: 'a@a.test', createdAt: 3, delayWarned: false, requireTls: true, recipients: [] }, Buffer.from('x'));
    const lax = await store.enqueue({ from: 'a@a.test', createdAt: 4, delayWarned: false, requireTls: false, recipients: [] }, Buffer.from('x'));
    const again = await reopen();
    assert.equal((await again.getQueueEntry(strict.id))?.requireTls, true);
    assert.equal((await again.getQueueEntry(lax.id))?.requireTls, false);
    assert.equal((await again.getQueueEntry(second.id))?.requireTls, undefined);
    assert.equal(await again.updateQueueEntry({ ...strict, delayWarned: true }), true);
    assert.equal((await again.getQueueEntry(strict.id))?.requireTls, true, 'kept through the runner\'s updates');
    await again.removeQueueEntry(strict.id);
    await again.removeQueueEntry(lax.id);
    assert.deepEqual(await collect(again.readQueueMessage(entry.id)), raw);
    assert.deepEqual((await again.listQueue()).map((e) => e.id), [entry.id, second.id], 'oldest first');
    assert.equal(await again.updateQueueEntry({ ...entry, delayWarned: true }), true);
    assert.equal((await again.getQueueEntry(entry.id))?.delayWarned, true);
    for (const bad of ['../acc/x', '', 'ZZZ', `${entry.id}/0`]) await assert.rejects(again.getQueueEntry(bad), /not a queue id/);
    assert.equal(await again.removeQueueEntry(entry.id), true);
    assert.equal(await again.removeQueueEntry(entry.id), false);
    assert.equal(await again.updateQueueEntry(entry), false, 'a removed entry is not brought back');
    assert.deepEqual(await collect(again.readQueueMessage(entry.id)), Buffer.alloc(0));
    assert.deepEqual(await again.check({ repair: false }), []);
  });

  test(`${backend.name}: the vault keeps certificates, ACME state, secrets, DKIM keys and MTA-STS policies`, async (t) => {
    const { store, reopen } = await backend.open(t);
    await store.putCertificate('mx.example.org', { keyPem: 'k', certPem: 'c', source: 'acme' });
    await store.putAcmeAccount('https://ca.test/dir', { keyPem: 'ak', url: 'https://ca.test/acct/1' });
    await store.putAcmeState({ failures: 2, lastError: 'timeout' });
    const secret = await store.secret('srs');
    assert.equal(secret.length, 32);
    await store.addDomain('example.org');
    const key = (selector: string, createdAt: number): DkimKey => ({ domain: 'example.org', selector, algorithm: 'ed25519', privateKey: 'p', publicKey: 'P', createdAt });
    await store.addDkimKeys('example.org', [key('b', 2), key('a', 1)]);
    await assert.rejects(store.addDkimKeys('example.org', [key('c', 3), key('a', 3)]), /already exists/);
    await assert.rejects(store.addDkimKeys('example.org', [key('Bad_Sel', 3)]), /not a valid DKIM selector/);
    await assert.rejects(store.addDkimKeys('other.test', [{ ...key('a', 1), domain: 'other.test' }]), /no such domain/);
    await store.putMtaStsPolicy('Remote.TEST', { id: '1', mode: 'enforce', mx: ['mx.remote.test'], expires: '2030-01-01T00:00:00Z' });

    const again = await reopen();
    assert.deepEqual(await again.getCertificate('mx.example.org'), { keyPem: 'k', certPem: 'c', source: 'acme' });
    assert.equal(await again.getCertificate('other'), null);
    assert.equal((await again.getAcmeAccount('https://ca.test/dir'))?.url, 'https://ca.test/acct/1');
    assert.deepEqual(await again.getAcmeState(), { failures: 2, lastError: 'timeout' });
    assert.deepEqual(await again.secret('srs'), secret, 'a secret is made once');
    assert.deepEqual((await again.listDkimKeys('example.org')).map((k) => k.selector), ['a', 'b'], 'oldest first');
    await again.removeDkimKey('example.org', 'a');
    await assert.rejects(again.removeDkimKey('example.org', 'a'), /no DKIM selector/);
    assert.equal((await again.getMtaStsPolicy('remote.test'))?.mode, 'enforce', 'domains compare case-insensitively');
    await again.removeDomain('example.org');
    assert.deepEqual(await again.listDkimKeys('example.org'), [], 'a domain takes its DKIM keys with it');
  });
}
