/**
 * Change events across nodes on the PostgreSQL backend: two stores on one database
 * stand for two nodes. A change made through one reaches the other's listeners (LISTEN/
 * NOTIFY with ids, the change log behind it), in MODSEQ order per mailbox, and once; a
 * node whose listening connection is cut reads what was logged meanwhile when it is back.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { once } from 'node:events';
import { EventEmitter } from 'node:events';
import postgres from 'postgres';
import { writeMessage } from '../src/delivery/deliver.ts';
import { openPostgresStore, type PostgresStore } from '../src/store/postgres/store.ts';
import type { Mailbox, StoreEvent } from '../src/store/types.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { addAccount, message } from './helpers/store.ts';

const database = postgresForFile();

async function twoNodes(t: TestContext): Promise<[PostgresStore, PostgresStore] | null> {
  const url = await database(t);
  if (!url) return null;
  const open = async () => {
    const store = await openPostgresStore({ url, poolSize: 4, tls: { mode: 'off' }, chunkSize: 65536 });
    t.after(() => store.close());
    return store;
  };
  return [await open(), await open()];
}

/** Two nodes, alice's account made through A and her INBOX as B reads it. */
async function aliceOnTwoNodes(t: TestContext) {
  const nodes = await twoNodes(t);
  if (!nodes) return null;
  const [a, b] = nodes;
  const account = await addAccount(a, 'alice@example.org');
  return { a, b, account, inbox: (await b.getMailbox(account.id, 'INBOX'))! };
}

/** Every event a node hears, and a way to wait for the next ones. */
function listen(store: PostgresStore): { events: StoreEvent[]; until(n: number): Promise<void> } {
  const events: StoreEvent[] = [];
  const heard = new EventEmitter();
  store.on((e) => {
    events.push(e);
    heard.emit('event');
  });
  return {
    events,
    async until(n) {
      while (events.length < n) await once(heard, 'event');
    },
  };
}

const deliverTo = async (store: PostgresStore, box: Mailbox, subject: string) => {
  const [outcome] = await writeMessage(store, message(subject), [{ accountId: box.accountId, mailboxId: box.id, prefix: '', flags: [] }], { enforceQuota: false });
  assert.ok(outcome?.ok);
  return outcome.uid;
};

test('a change on one node reaches the other node as an event, after its commit, in MODSEQ order, once', async (t) => {
  const alice = await aliceOnTwoNodes(t);
  if (!alice) return;
  const { a, b, account, inbox } = alice;
  const onB = listen(b);
  const onA = listen(a);
  for (let i = 0; i < 5; i++) await deliverTo(a, inbox, `m${i}`);
  await a.storeFlags(inbox.id, [1, 2], 'add', ['\\Seen']);
  await a.expunge(inbox.id, [3]);
  await a.createMailbox(account.id, 'Later');
  await onB.until(8);
  assert.deepEqual(onB.events.map((e) => e.type), ['append', 'append', 'append', 'append', 'append', 'flags', 'expunge', 'mailboxes']);
  const modSeqs = onB.events.flatMap((e) => (e.type === 'mailboxes' ? [] : [e.modSeq]));
  assert.deepEqual(modSeqs, [...modSeqs].sort((x, y) => x - y));
  assert.equal(new Set(modSeqs).size, modSeqs.length, 'each change once');
  const [appended] = onB.events;
  assert.ok(appended?.type === 'append');
  assert.ok(await b.getMessage(inbox.id, appended.uids[0]!), 'node B reads what it is told of');
  assert.equal(onA.events.length, 8, 'the node that made the changes hears each once too');
});

test("a node tells the other node's change before its own change that came after it, though its pool was busy with its own", async (t) => {
  const url = await database(t);
  if (!url) return;
  const a = await openPostgresStore({ url, poolSize: 2, tls: { mode: 'off' }, chunkSize: 65536 });
  t.after(() => a.close());
  // One connection: B's change holds it while A's notification comes in, so B cannot read the log before its own commit.
  const b = await openPostgresStore({ url, poolSize: 1, tls: { mode: 'off' }, chunkSize: 65536 });
  t.after(() => b.close());
  const account = await addAccount(a, 'alice@example.org');
  const inbox = (await a.getMailbox(account.id, 'INBOX'))!;
  const onB = listen(b);
  const holder = postgres(url, { max: 2, onnotice: () => {} });
  t.after(() => holder.end());
  const waiting = async (n: number) => {
    // No event says a transaction waits for a lock: PostgreSQL's activity view is looked at until it does.
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await new Promise((resolve) => setTimeout(resolve, 20))) {
      const [row] = await holder<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      if (row!.n >= n) return;
    }
    throw new Error(`${n} transactions never waited for the account row`);
  };
  // The account row, held while A's append and then B's queue up for it, in that order.
  let release!: () => void;
  let locked!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const holding = new Promise<void>((resolve) => (locked = resolve));
  const held = holder.begin(async (tx) => {
    await tx`SELECT id FROM accounts WHERE id = ${account.id} FOR UPDATE`;
    locked();
    await gate;
  });
  await holding;
  const first = deliverTo(a, inbox, 'first, on A');
  await waiting(1);
  const second = deliverTo(b, inbox, 'second, on B');
  await waiting(2);
  release();
  await held;
  assert.deepEqual([await first, await second], [1, 2]);
  await onB.until(2);
  assert.deepEqual(onB.events.map((e) => (e.type === 'append' ? e.uids : [])), [[1], [2]], 'UID 1 before UID 2: an IMAP session never hears of a lower UID after a higher one');
});

test('a node whose listening connection is cut catches up from the change log when it reconnects', async (t) => {
  const url = await database(t);
  if (!url) return;
  // Node A writes through one connection, kept open while the database refuses new ones.
  const a = await openPostgresStore({ url, poolSize: 1, tls: { mode: 'off' }, chunkSize: 65536 });
  t.after(() => a.close());
  const b = await openPostgresStore({ url, poolSize: 2, tls: { mode: 'off' }, chunkSize: 65536 });
  t.after(() => b.close());
  const admin = postgres(url.replace(/\/[^/]+$/, '/postgres'), { max: 1, onnotice: () => {} });
  t.after(() => admin.end());
  const name = new URL(url).pathname.slice(1);
  const account = await addAccount(a, 'alice@example.org');
  const inbox = (await a.getMailbox(account.id, 'INBOX'))!;
  const onB = listen(b);
  await deliverTo(a, inbox, 'before');
  await onB.until(1);
  const [{ pid }] = await a.core.sql<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
  // B cannot come back until the database takes connections again: what A writes meanwhile is never notified to it.
  await admin`ALTER DATABASE ${admin(name)} WITH ALLOW_CONNECTIONS false`;
  await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${name} AND pid <> ${pid}`;
  for (let i = 0; i < 3; i++) await deliverTo(a, inbox, `while away ${i}`);
  await a.storeFlags(inbox.id, [1], 'add', ['\\Flagged']);
  assert.equal(onB.events.length, 1, 'nothing reached B while it was away');
  await admin`ALTER DATABASE ${admin(name)} WITH ALLOW_CONNECTIONS true`;
  await onB.until(5);
  assert.deepEqual(onB.events.map((e) => e.type), ['append', 'append', 'append', 'append', 'flags']);
  assert.deepEqual(onB.events.flatMap((e) => (e.type === 'append' ? e.uids : [])), [1, 2, 3, 4]);
});

test('a change whose notification was lost reaches the other node with the next change of its mailbox, in MODSEQ order', async (t) => {
  const alice = await aliceOnTwoNodes(t);
  if (!alice) return;
  const { a, b, account, inbox } = alice;
  const onB = listen(b);
  await deliverTo(a, inbox, 'first');
  await onB.until(1);
  // A change logged without its NOTIFY, as when a notification is lost: MODSEQ taken, row written, nobody told.
  const [{ lost }] = await a.core.sql<{ lost: number }[]>`UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ${inbox.id} RETURNING highest_modseq AS lost`;
  await a.core.sql`INSERT INTO change_log (origin, account_id, mailbox_id, kind, uids, modseq) VALUES ('elsewhere', ${account.id}, ${inbox.id}, 'flags', '{1}', ${lost})`;
  await a.storeFlags(inbox.id, [1], 'add', ['\\Flagged']);
  await onB.until(3);
  assert.deepEqual(
    onB.events.map((e) => (e.type === 'mailboxes' ? e.type : `${e.type} ${e.modSeq}`)),
    [`append ${lost - 1}`, `flags ${lost}`, `flags ${lost + 1}`],
  );
  // Notifications that carry on from what the node told need no other read, and still tell each change once.
  for (let i = 0; i < 3; i++) await a.storeFlags(inbox.id, [1], i % 2 === 0 ? 'remove' : 'add', ['\\Flagged']);
  await onB.until(6);
  assert.deepEqual(onB.events.slice(3).map((e) => (e.type === 'mailboxes' ? 0 : e.modSeq)), [lost + 2, lost + 3, lost + 4]);
});
