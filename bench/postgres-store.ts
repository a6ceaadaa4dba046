/**
 * `node bench/postgres-store.ts [MESSAGES] [WRITERS]`: store-level ingest through the
 * one write path (delivery's writeMessage: parse, index, append), fsync on everywhere,
 * 4 KB messages into one INBOX:
 *   - LevelDB (group commit),
 *   - PostgreSQL, one store (one node),
 *   - PostgreSQL, two stores on one database (two nodes) writing the same mailbox;
 * each followed by every message read whole through one body reader; then the UID allocation itself on PostgreSQL, row lock against serializable with
 * retries, WRITERS transactions at once on one mailbox counter.
 * Prints messages per second (and retries for serializable).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { hashPassword } from '../src/auth/password.ts';
import { writeMessage } from '../src/delivery/deliver.ts';
import { openLevelStore } from '../src/store/level/store.ts';
import { openPostgresStore } from '../src/store/postgres/store.ts';
import type { Mailbox, Store } from '../src/store/types.ts';
import { launchPostgres } from '../test/helpers/postgres.ts';

const total = Number(process.argv[2] ?? 1000);
const writers = Number(process.argv[3] ?? 8);
const body = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n'.repeat(70);
const raw = (i: number) => Buffer.from(`From: bob@example.net\r\nTo: alice@example.org\r\nSubject: bench ${i}\r\nMessage-ID: <b${i}@example.net>\r\n\r\n${body}`);

async function inboxOf(store: Store): Promise<Mailbox> {
  if (!(await store.getDomain('example.org'))) await store.addDomain('example.org');
  const account = (await store.getAccount('alice@example.org')) ?? (await store.addAccount({ address: 'alice@example.org', passwordHash: await hashPassword('x'.repeat(12)), quotaBytes: 0, quotaMessages: 0 }));
  return (await store.getMailbox(account.id, 'INBOX'))!;
}

/** `writers` sessions delivering in a loop, spread over the stores; messages per second. */
async function ingest(stores: Store[], inbox: Mailbox): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const store = stores[w % stores.length]!;
      for (let i = next++; i < total; i = next++) {
        const [outcome] = await writeMessage(store, raw(i), [{ accountId: inbox.accountId, mailboxId: inbox.id, prefix: '', flags: [] }], { enforceQuota: true });
        if (!outcome?.ok) throw new Error('refused');
      }
    }),
  );
  return total / ((performance.now() - start) / 1000);
}

/** Every message of the mailbox read whole through one body reader, as a FETCH of BODY[] 1:* does; messages per second. */
async function readAll(store: Store, inbox: Mailbox): Promise<string> {
  const messages = await store.listMessages(inbox.id);
  const start = performance.now();
  const reader = store.bodyReader(messages.map((message) => ({ message, start: 0, end: message.size })));
  let bytes = 0;
  for (const message of messages) for await (const chunk of reader.read(message)) bytes += chunk.length;
  const expected = messages.reduce((sum, m) => sum + m.size, 0);
  if (bytes !== expected) throw new Error(`read ${bytes} bytes, expected ${expected}`);
  return `${(messages.length / ((performance.now() - start) / 1000)).toFixed(0)} messages/s read whole (FETCH BODY[] 1:*)`;
}

async function uidAllocation(url: string, mode: 'row lock' | 'serializable'): Promise<string> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql`CREATE TABLE IF NOT EXISTS box (id int PRIMARY KEY, next bigint NOT NULL)`;
  await sql`CREATE TABLE IF NOT EXISTS msg (box int, uid bigint, PRIMARY KEY (box, uid))`;
  await sql`TRUNCATE box, msg`;
  await sql`INSERT INTO box VALUES (1, 1)`;
  let retries = 0;
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      // A connection per writer: a failed serializable transaction then never shares one.
      const own = postgres(url, { max: 1, onnotice: () => {} });
      for (let i = next++; i < total; i = next++) {
        for (;;) {
          try {
            if (mode === 'row lock') {
              await own.begin(async (tx) => {
                const [row] = await tx`SELECT next FROM box WHERE id = 1 FOR NO KEY UPDATE`;
                await tx`INSERT INTO msg VALUES (1, ${row!.next})`;
                await tx`UPDATE box SET next = next + 1 WHERE id = 1`;
              });
            } else {
              await own.begin(async (tx) => {
                await tx`SET TRANSACTION ISOLATION LEVEL SERIALIZABLE`;
                const [row] = await tx`SELECT next FROM box WHERE id = 1`;
                await tx`INSERT INTO msg VALUES (1, ${row!.next})`;
                await tx`UPDATE box SET next = next + 1 WHERE id = 1`;
              });
            }
            break;
          } catch (err) {
            // Serializable may report the conflict as the duplicate UID it would have made.
            if (!['40001', '23505'].includes((err as { code?: string }).code ?? '')) throw err;
            retries++;
          }
        }
      }
      await own.end();
    }),
  );
  const rate = total / ((performance.now() - start) / 1000);
  await sql.end();
  return `${rate.toFixed(0)} allocations/s${mode === 'serializable' ? `, ${retries} retries (${((retries / total) * 100).toFixed(0)}% of transactions)` : ''}`;
}

const cluster = await launchPostgres();
const dir = mkdtempSync(join(tmpdir(), 'mf-bench-'));
try {
  const level = await openLevelStore(dir, { sync: true, chunkSize: 65536 });
  console.log(`LevelDB, 1 process: ${(await ingest([level], await inboxOf(level))).toFixed(0)} messages/s (${total} x 4 KB, ${writers} writers)`);
  console.log(`  ${await readAll(level, await inboxOf(level))}`);
  await level.close();

  const options = (url: string) => ({ url, poolSize: writers, tls: { mode: 'off' as const }, chunkSize: 65536 });
  const oneUrl = await cluster.createDatabase();
  const one = await openPostgresStore(options(oneUrl));
  console.log(`PostgreSQL, 1 node: ${(await ingest([one], await inboxOf(one))).toFixed(0)} messages/s`);
  console.log(`  ${await readAll(one, await inboxOf(one))}`);
  await one.close();

  const twoUrl = await cluster.createDatabase();
  const a = await openPostgresStore(options(twoUrl));
  const b = await openPostgresStore(options(twoUrl));
  console.log(`PostgreSQL, 2 nodes, one mailbox: ${(await ingest([a, b], await inboxOf(a))).toFixed(0)} messages/s`);
  const uids = (await a.listMessages((await inboxOf(a)).id)).map((m) => m.uid);
  console.log(`  UIDs: ${uids.length} stored, ${new Set(uids).size} distinct, 1..${Math.max(...uids)}`);
  await a.close();
  await b.close();

  const lockUrl = await cluster.createDatabase();
  console.log(`UID allocation, row lock: ${await uidAllocation(lockUrl, 'row lock')}`);
  console.log(`UID allocation, serializable: ${await uidAllocation(lockUrl, 'serializable')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  await cluster.stop();
}
