/**
 * One SMTP transaction resolves each recipient once (delivery/resolutions.ts): the RCPT
 * check, the DATA checks and the delivery share the answer; a failed lookup is not kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memoResolver } from '../src/delivery/resolutions.ts';
import type { Directory, Vault } from '../src/store/types.ts';
import { addAccount, testStore } from './helpers/store.ts';

test('a transaction resolver looks each address up once, and again after a failed lookup', async (t) => {
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
  const resolve = memoResolver(counted, '+', 'bob@example.net');

  const [first, again] = await Promise.all([resolve('alice@example.org'), resolve('alice@example.org')]);
  assert.equal(first, again);
  assert.deepEqual(first.local.map((a) => a.address), ['alice@example.org']);
  assert.equal(lookups, 1);
  assert.equal((await resolve('alice+news@example.org')).local[0]?.address, 'alice@example.org');
  assert.equal(lookups, 3, 'another address is its own lookup (the tagged one, then its base)');

  failNext = true;
  await assert.rejects(resolve('nobody@example.org'), /database unreachable/);
  const retried = await resolve('nobody@example.org');
  assert.deepEqual(retried.unknown.map((u) => u.reason), ['no-such-user']);
});
