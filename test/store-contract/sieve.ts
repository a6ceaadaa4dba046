import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError } from '../../src/store/types.ts';
import { addAccount } from '../helpers/store.ts';
import type { StoreBackend } from './backend.ts';

const limits = { maxScripts: 3, maxScriptBytes: 100 };
const code = (c: StoreError['code']) => (e: StoreError) => e.code === c;

export function sieveContract(backend: StoreBackend): void {
  test(`${backend.name}: Sieve scripts are kept per account, one of them active`, async (t) => {
    const { store, reopen } = await backend.open(t);
    const alice = await addAccount(store, 'alice@example.org');
    const bob = await addAccount(store, 'bob@example.org');
    assert.deepEqual(await store.putSieveScript(alice.id, 'main', 'keep;', limits), { ok: true });
    assert.deepEqual(await store.putSieveScript(alice.id, 'Vacation é', 'stop;', limits), { ok: true });
    assert.deepEqual(await store.putSieveScript(bob.id, 'main', 'discard;', limits), { ok: true });
    assert.equal(await store.getActiveSieveScript(alice.id), null, 'none is active until one is set');
    await store.setActiveSieveScript(alice.id, 'main');
    const again = await reopen();
    assert.deepEqual(
      (await again.listSieveScripts(alice.id)).map((s) => [s.name, s.active, s.size]).sort(),
      [['Vacation é', false, 5], ['main', true, 5]],
    );
    assert.equal(await again.getSieveScript(alice.id, 'main'), 'keep;');
    assert.equal(await again.getSieveScript(bob.id, 'main'), 'discard;', 'accounts do not share scripts');
    assert.deepEqual(await again.getActiveSieveScript(alice.id), { name: 'main', content: 'keep;' });
    assert.equal(await again.getActiveSieveScript(bob.id), null);

    await again.putSieveScript(alice.id, 'main', 'stop;', limits);
    assert.deepEqual(await again.getActiveSieveScript(alice.id), { name: 'main', content: 'stop;' }, 'replacing keeps it active');
    await again.renameSieveScript(alice.id, 'main', 'filters');
    assert.deepEqual(await again.getActiveSieveScript(alice.id), { name: 'filters', content: 'stop;' }, 'the active marker follows a rename');
    await assert.rejects(again.renameSieveScript(alice.id, 'filters', 'Vacation é'), code('exists'));
    await assert.rejects(again.renameSieveScript(alice.id, 'nope', 'x'), code('not-found'));
    await assert.rejects(again.deleteSieveScript(alice.id, 'filters'), code('locked'), 'the active script cannot be deleted');
    await assert.rejects(again.deleteSieveScript(alice.id, 'nope'), code('not-found'));
    await assert.rejects(again.setActiveSieveScript(alice.id, 'nope'), code('not-found'));
    await again.setActiveSieveScript(alice.id, null);
    await again.deleteSieveScript(alice.id, 'filters');
    assert.deepEqual((await again.listSieveScripts(alice.id)).map((s) => s.name), ['Vacation é']);
    assert.equal(await again.getActiveSieveScript(alice.id), null);
  });

  test(`${backend.name}: Sieve script limits and names are enforced, and scripts go with their account`, async (t) => {
    const { store } = await backend.open(t);
    const alice = await addAccount(store, 'alice@example.org');
    for (const name of ['a', 'b', 'c']) assert.deepEqual(await store.putSieveScript(alice.id, name, 'keep;', limits), { ok: true });
    assert.deepEqual(await store.putSieveScript(alice.id, 'd', 'keep;', limits), { ok: false, reason: 'too-many' });
    assert.deepEqual(await store.putSieveScript(alice.id, 'a', 'x'.repeat(101), limits), { ok: false, reason: 'too-big' });
    assert.deepEqual(await store.putSieveScript(alice.id, 'a', 'é'.repeat(50), limits), { ok: true }, 'size is counted in UTF-8 bytes');
    assert.deepEqual(await store.putSieveScript(alice.id, 'b', 'é'.repeat(51), limits), { ok: false, reason: 'too-big' });
    for (const bad of ['', 'x'.repeat(129), 'a\nb', 'nul\u0000', 'del\u007f']) {
      await assert.rejects(store.putSieveScript(alice.id, bad, 'keep;', { ...limits, maxScripts: 10 }), code('invalid'), JSON.stringify(bad));
    }
    await assert.rejects(store.renameSieveScript(alice.id, 'a', 'x\ry'), code('invalid'));
    assert.equal(await store.getSieveScript(alice.id, 'a\nb'), null);
    await store.setActiveSieveScript(alice.id, 'a');
    await store.setSieveMark(alice.id, 'vacation', 'someone@example.net', Date.now() + 60_000);
    await store.removeAccount('alice@example.org');
    const again = await addAccount(store, 'alice@example.org');
    assert.deepEqual(await store.listSieveScripts(again.id), []);
    assert.deepEqual(await store.check({ repair: false }), []);
  });

  test(`${backend.name}: Sieve marks hold until they expire, per account and scope`, async (t) => {
    const { store, reopen } = await backend.open(t);
    const alice = await addAccount(store, 'alice@example.org');
    const bob = await addAccount(store, 'bob@example.org');
    const now = Date.now();
    const longKey = `<${'x'.repeat(5000)}@example.net>`;
    await store.setSieveMark(alice.id, 'vacation', 'carol@example.net', now + 1000);
    await store.setSieveMark(alice.id, 'duplicate', longKey, now + 1000);
    const again = await reopen();
    assert.equal(await again.hasSieveMark(alice.id, 'vacation', 'carol@example.net', now), true);
    assert.equal(await again.hasSieveMark(alice.id, 'vacation', 'carol@example.net', now + 1000), false, 'expired at its time');
    assert.equal(await again.hasSieveMark(alice.id, 'duplicate', 'carol@example.net', now), false, 'scopes are apart');
    assert.equal(await again.hasSieveMark(bob.id, 'vacation', 'carol@example.net', now), false, 'accounts are apart');
    assert.equal(await again.hasSieveMark(alice.id, 'duplicate', longKey, now), true, 'any key length');
    await again.setSieveMark(alice.id, 'vacation', 'carol@example.net', now + 5000);
    assert.equal(await again.hasSieveMark(alice.id, 'vacation', 'carol@example.net', now + 2000), true, 'a newer mark replaces the old');
  });
}
