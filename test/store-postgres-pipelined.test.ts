/**
 * PgCore.pipelinedTx: COMMIT goes with the last statements, unawaited. A statement that
 * fails aborts the transaction, so the COMMIT behind it rolls back: nothing of it is
 * kept, its error is what the caller gets, and the connection goes back to the pool
 * clean. A transaction gets its connection while reads keep every connection busy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPostgresStore } from '../src/store/postgres/store.ts';
import { StoreError } from '../src/store/types.ts';
import { postgresForFile } from './helpers/postgres.ts';

const database = postgresForFile();

test('a pipelined transaction keeps all of its statements or none, and the pool serves on', async (t) => {
  const url = await database(t);
  if (!url) return;
  const store = await openPostgresStore({ url, poolSize: 2, tls: { mode: 'off' }, chunkSize: 65536 });
  t.after(() => store.close());
  const { core } = store;
  await core.sql`CREATE TABLE probe (id int PRIMARY KEY)`;
  const count = async () => (await core.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM probe`)[0]!.n;

  // The second insert breaks the primary key: the first, sent before it, is rolled back with it.
  await assert.rejects(
    core.pipelinedTx(async (tx) => ({ result: null, last: [tx`INSERT INTO probe VALUES (1)`.execute(), tx`INSERT INTO probe VALUES (1)`.execute(), tx`INSERT INTO probe VALUES (2)`.execute()] })),
    (err: unknown) => err instanceof StoreError && err.code === 'exists',
  );
  assert.equal(await count(), 0);

  assert.equal(await core.pipelinedTx(async (tx) => ({ result: 'kept', last: [tx`INSERT INTO probe VALUES (1)`.execute(), tx`INSERT INTO probe VALUES (2)`.execute()] })), 'kept');
  assert.equal(await count(), 2);

  // A failure of the code between statements: what it sent is rolled back.
  await assert.rejects(
    core.tx(async (tx) => {
      await tx`INSERT INTO probe VALUES (3)`;
      throw new Error('the rule refused');
    }),
    /the rule refused/,
  );
  assert.equal(await count(), 2);

  // A failure of the first statement.
  await assert.rejects(core.tx((tx) => tx`INSERT INTO probe VALUES (1)`), (err: unknown) => err instanceof StoreError && err.code === 'exists');

  // Reads pipelined onto both connections without pause (each reader keeps two in flight,
  // so no connection ever runs out of work): a transaction still gets its turn.
  let reading = true;
  const readers = Array.from({ length: 8 }, async () => {
    let pending = core.sql`SELECT pg_sleep(0.001)`.execute();
    while (reading) {
      const next = core.sql`SELECT pg_sleep(0.001)`.execute();
      await pending;
      pending = next;
    }
    await pending;
  });
  await core.pipelinedTx(async (tx) => ({ result: null, last: [tx`INSERT INTO probe VALUES (3)`.execute()] }));
  reading = false;
  await Promise.all(readers);
  assert.equal(await count(), 3);

  // Every connection of the pool came back outside a transaction: many at once all commit.
  await Promise.all(Array.from({ length: 20 }, (_, i) => core.tx((tx) => tx`INSERT INTO probe VALUES (${10 + i})`)));
  assert.equal(await count(), 23);
  const [open] = await core.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'mailfold' AND state LIKE 'idle in transaction%'`;
  assert.equal(open!.n, 0, 'no connection left inside a transaction');
});
