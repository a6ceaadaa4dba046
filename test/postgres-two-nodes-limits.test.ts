/**
 * [submission_limits] on two `mailfold serve` nodes sharing one PostgreSQL database: the
 * count is the store's, so a sender spread over both nodes gets the limit in total, and
 * senders racing for the last slots on both nodes at once get exactly the limit; the
 * table of counts is swept of old windows.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import { imapflow, PASSWORD } from './helpers/imap.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { ALICE, twoNodes } from './helpers/postgres-nodes.ts';
import { openPostgresStore } from '../src/store/postgres/store.ts';

const database = postgresForFile();
const LIMITS = '[submission_limits]\nmessages_per_hour = 3\nrecipients_per_hour = 100\n';
const BOB = 'bob@example.org';

test('two store instances counting one account at once: exactly the limit pass; old windows are swept', async (t) => {
  const url = await database(t);
  if (!url) return;
  const open = async () => {
    const store = await openPostgresStore({ url, poolSize: 3, tls: { mode: 'off' }, chunkSize: 65536 });
    t.after(() => store.close().catch(() => {}));
    return store;
  };
  const [a, b] = [await open(), await open()];
  const HOUR = 3_600_000;
  const at = 5 * HOUR;
  const limits = { messages: 5, recipients: 0 };
  const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).countSubmission(1, at, 1, at - HOUR, limits)));
  assert.equal(ids.filter((id) => id !== null).length, 5);
  assert.deepEqual(await b.submissionsSince(1, 0), { messages: 5, recipients: 5 });
  // Every 256th count of a node first deletes what is past its window: account 1's, an hour old.
  const later = at + HOUR;
  for (let i = 0; i < 256; i++) assert.ok(await a.countSubmission(2, later, 1, later - HOUR, { messages: 0, recipients: 0 }));
  assert.deepEqual(await b.submissionsSince(1, 0), { messages: 0, recipients: 0 });
  assert.deepEqual(await b.submissionsSince(2, 0), { messages: 256, recipients: 256 });
});

/** nodemailer logged in as `user` on a node's submission port (plain on loopback, as the config allows). */
function submitter(t: TestContext, port: number, user: string) {
  const transport = createTransport({ host: '127.0.0.1', port, ignoreTLS: true, auth: { user, pass: PASSWORD } });
  t.after(() => transport.close());
  return (subject: string) =>
    transport.sendMail({ envelope: { from: user, to: [ALICE] }, raw: `From: ${user}\r\nTo: ${ALICE}\r\nSubject: ${subject}\r\n\r\nHi.\r\n` });
}

/** The reply code and text a refused sendMail carried. */
async function refusal(sending: Promise<unknown>): Promise<string> {
  const err = await sending.then(
    () => assert.fail('accepted past the limit'),
    (e: { response?: string }) => e,
  );
  return err.response ?? '';
}

async function inboxCount(t: TestContext, port: number): Promise<number> {
  const client = await imapflow(t, port, ALICE);
  const status = await client.status('INBOX', { messages: true });
  return status ? (status.messages ?? -1) : -1;
}

test('two nodes: a sender alternating between A and B gets 3 messages an hour in total, then 450 4.7.1 on either node', async (t) => {
  const url = await database(t);
  if (!url) return;
  const { a, b } = await twoNodes(t, url, LIMITS);
  const [onA, onB] = [submitter(t, a.ports.submission, ALICE), submitter(t, b.ports.submission, ALICE)];
  for (const [i, send] of [onA, onB, onA].entries()) assert.match((await send(`m${i}`)).response, /^250 /);
  // Refused at MAIL FROM, as on one node.
  assert.match(await refusal(onB('m3')), /^450 4\.7\.1 Sending rate limit reached for this account, try again later/);
  assert.match(await refusal(onA('m4')), /^450 4\.7\.1 Sending rate limit reached/);
  assert.equal(await inboxCount(t, b.ports.imap), 3);
});

test('two nodes: eight messages at once over both nodes for three slots: exactly three accepted, the others 450 4.7.1', async (t) => {
  const url = await database(t);
  if (!url) return;
  const { a, b, cli } = await twoNodes(t, url, LIMITS);
  assert.equal((await cli(['user', 'add', BOB, '--password-stdin'], `${PASSWORD}\n`)).code, 0);
  const [onA, onB] = [submitter(t, a.ports.submission, BOB), submitter(t, b.ports.submission, BOB)];
  // All pass MAIL FROM (nothing counted yet); the count at the end of DATA lets three through.
  const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? onA : onB)(`race ${i}`)));
  const accepted = results.filter((r) => r.status === 'fulfilled');
  const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as { response?: string }] : []));
  assert.equal(accepted.length, 3);
  for (const err of refused) assert.match(err.response ?? '', /^450 4\.7\.1 Sending rate limit reached/);
  assert.equal(await inboxCount(t, a.ports.imap), 3);
  assert.match(await refusal(onB('after')), /^450 4\.7\.1 /);
});
