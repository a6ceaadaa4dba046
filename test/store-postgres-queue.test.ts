/**
 * The outbound queue shared by several nodes on PostgreSQL: of nodes claiming the same
 * entries at once, exactly one gets each (FOR UPDATE SKIP LOCKED and a lease), and a
 * node that read an entry before another sent it does not send it again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutboundQueue } from '../src/queue/outbound.ts';
import { openPostgresStore } from '../src/store/postgres/store.ts';
import { postgresForFile } from './helpers/postgres.ts';

const database = postgresForFile();

test('two nodes claiming the same queue entries at once: each entry goes to exactly one', async (t) => {
  const url = await database(t);
  if (!url) return;
  const open = async () => {
    const store = await openPostgresStore({ url, poolSize: 4, tls: { mode: 'off' }, chunkSize: 65536 });
    t.after(() => store.close());
    return new OutboundQueue(store);
  };
  const [a, b] = [await open(), await open()];
  const entries = [];
  for (let i = 0; i < 20; i++) entries.push(await a.enqueue({ from: 'x@a.test', recipients: [{ address: `r${i}@b.test` }] }, Buffer.from(`message ${i}\r\n`)));
  const due = () => true;
  const claims = await Promise.all(entries.flatMap((e) => [a.claim(e.id, due), b.claim(e.id, due)]));
  for (let i = 0; i < entries.length; i++) {
    const [byA, byB] = [claims[2 * i], claims[2 * i + 1]];
    assert.equal(Number(byA !== null) + Number(byB !== null), 1, `entry ${i}: one node, not ${byA && byB ? 'two' : 'none'}`);
  }

  // Node A sends the first entry (its recipient is done); B, which listed it as due before, must not take it again.
  const first = entries[0]!;
  const holder = claims[0] ? a : b;
  const other = claims[0] ? b : a;
  const sent = { ...first, recipients: first.recipients.map((r) => ({ ...r, state: 'sent' as const, attempts: 1 })) };
  await holder.release(first.id, sent);
  assert.equal(await other.claim(first.id, (e) => e.recipients.some((r) => r.state === 'pending')), null, 'read again, it is no longer due');
  assert.ok(await other.claim(first.id, due), 'given back, it can be claimed');
});
