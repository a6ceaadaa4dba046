/**
 * `node bench/postgres-clients.ts [ROUNDS]`: postgres (postgres.js) against pg on a
 * throw-away cluster (fsync and synchronous_commit on), the operations the store
 * does most: a single-row insert committed alone (an append's transaction: BEGIN,
 * a counter row locked and raised, a row inserted, COMMIT), the same from 8
 * concurrent writers, and 1,000 rows inserted in one statement and committed.
 * Prints the median and 95th percentile per operation.
 */
import pg from 'pg';
import postgres from 'postgres';
import { launchPostgres } from '../test/helpers/postgres.ts';

const rounds = Number(process.argv[2] ?? 300);
const SCHEMA = `CREATE TABLE IF NOT EXISTS box (id int PRIMARY KEY, next bigint NOT NULL);
  CREATE TABLE IF NOT EXISTS msg (box int, uid bigint, body bytea, PRIMARY KEY (box, uid));
  INSERT INTO box VALUES (1, 1) ON CONFLICT DO NOTHING;`;

interface Client {
  name: string;
  append(body: Buffer): Promise<void>;
  batch(rows: Buffer[]): Promise<void>;
  close(): Promise<void>;
}

function postgresJs(url: string): Client {
  const sql = postgres(url, { max: 8, onnotice: () => {} });
  return {
    name: 'postgres (postgres.js)',
    append: (body) =>
      sql.begin(async (tx) => {
        const [row] = await tx`UPDATE box SET next = next + 1 WHERE id = 1 RETURNING next - 1 AS uid`;
        await tx`INSERT INTO msg VALUES (1, ${row!.uid}, ${body})`;
      }).then(() => {}),
    batch: (rows) =>
      sql.begin(async (tx) => {
        const [row] = await tx`UPDATE box SET next = next + ${rows.length} WHERE id = 1 RETURNING next - ${rows.length} AS first`;
        const first = Number(row!.first);
        await tx`INSERT INTO msg ${tx(rows.map((body, i) => ({ box: 1, uid: first + i, body })))}`;
      }).then(() => {}),
    close: () => sql.end(),
  };
}

function nodePg(url: string): Client {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  const inTx = async (fn: (c: pg.PoolClient) => Promise<void>) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await fn(client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  };
  return {
    name: 'pg (node-postgres)',
    append: (body) =>
      inTx(async (c) => {
        const { rows } = await c.query('UPDATE box SET next = next + 1 WHERE id = 1 RETURNING next - 1 AS uid');
        await c.query('INSERT INTO msg VALUES (1, $1, $2)', [rows[0].uid, body]);
      }),
    batch: (rows) =>
      inTx(async (c) => {
        const { rows: r } = await c.query('UPDATE box SET next = next + $1 WHERE id = 1 RETURNING next - $1 AS first', [rows.length]);
        const first = Number(r[0].first);
        await c.query('INSERT INTO msg SELECT 1, $1::bigint + i - 1, b FROM unnest($2::bytea[]) WITH ORDINALITY AS u(b, i)', [first, rows]);
      }),
    close: () => pool.end(),
  };
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!.toFixed(2);

async function timed(n: number, op: () => Promise<void>): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await op();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return `median ${pct(times, 0.5)} ms, p95 ${pct(times, 0.95)} ms`;
}

const cluster = await launchPostgres();
try {
  for (const make of [postgresJs, nodePg, postgresJs, nodePg]) {
    const url = await cluster.createDatabase();
    const setup = postgres(url, { onnotice: () => {} });
    await setup.unsafe(SCHEMA);
    await setup.end();
    const client = make(url);
    const body = Buffer.alloc(4096, 'm');
    await client.append(body);
    const single = await timed(rounds, () => client.append(body));
    const start = performance.now();
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (let i = 0; i < rounds / 8; i++) await client.append(body);
    }));
    const concurrent = (rounds / ((performance.now() - start) / 1000)).toFixed(0);
    const batch = await timed(Math.max(5, rounds / 30), () => client.batch(Array.from({ length: 1000 }, () => body)));
    console.log(`${client.name}: single append ${single}; 8 writers ${concurrent} appends/s; 1,000 x 4 KB rows ${batch}`);
    await client.close();
  }
} finally {
  await cluster.stop();
}
