/**
 * One SMTP transaction's recipients are resolved at each RCPT (delivery/resolutions.ts),
 * and the checks at DATA and the delivery take the answer kept then; a failed lookup
 * is not kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transactionResolutions } from '../src/delivery/resolutions.ts';
import type { Directory, Vault } from '../src/store/types.ts';
import { addAccount, testStore } from './helpers/store.ts';

test("RCPT looks up anew each time; DATA's checks and the delivery take the answer kept; a failed lookup is not kept", async (t) => {
  const { store } = await testStore(t);
  await addAccount(store, 'alice@example.org');
  let lookups = 0;
  let failNext = false;
  const counted: Directory & Vault = Object.assign(Object.create(null), {
    getAccount: async (address: string) => {
      lookups++;
      if (failNext) {
        failNext = false;
        throw new Error('database unreachable');
      }
      return store.getAccount(address);
    },
    getAlias: (address: string) => store.getAlias(address),
    getDomain: (name: string) => store.getDomain(name),
    secret: (name: string) => store.secret(name),
  });
  const { fresh, kept } = transactionResolutions(counted, '+', 'bob@example.net');

  const atRcpt = await fresh('alice@example.org');
  assert.deepEqual(atRcpt.local.map((a) => a.address), ['alice@example.org']);
  assert.equal(await kept('Alice@EXAMPLE.org'), atRcpt, 'the address as the client wrote it is the one RCPT checked');
  assert.equal(await kept('alice@example.org'), atRcpt);
  assert.equal(lookups, 1);

  // A second RCPT of the same address sees the store as it is now, and its answer is the one kept.
  await store.updateAccount('alice@example.org', { disabled: true });
  const again = await fresh('alice@example.org');
  assert.deepEqual(again.unknown.map((u) => u.reason), ['disabled']);
  assert.equal(await kept('alice@example.org'), again);
  assert.equal(lookups, 2);

  failNext = true;
  await assert.rejects(kept('nobody@example.org'), /database unreachable/);
  assert.deepEqual((await kept('nobody@example.org')).unknown.map((u) => u.reason), ['no-such-user']);
  assert.equal(lookups, 4, 'asked again after the failure, then kept');
  await kept('nobody@example.org');
  assert.equal(lookups, 4);
});
