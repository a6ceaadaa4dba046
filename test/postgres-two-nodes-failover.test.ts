/**
 * Two `mailfold serve` processes on one PostgreSQL database, the rest of issue 19's
 * two-node test (with test/postgres-two-nodes.test.ts): node A killed with SIGKILL in
 * the middle of SMTP and IMAP load loses nothing it acknowledged and node B serves on,
 * and the outbound queue that both nodes run sends each message once.
 */
import assert from 'node:assert/strict';
import { dirname } from 'node:path';
import { test } from 'node:test';
import postgres from 'postgres';
import { createTransport } from 'nodemailer';
import { mxZone, startDns } from './helpers/dns.ts';
import { exited, runCli } from './helpers/env.ts';
import { PASSWORD, type RawImap } from './helpers/imap.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { postgresForFile } from './helpers/postgres.ts';
import { ALICE, aliceOn, appendUid, messageWithId, sendMail, twoNodes } from './helpers/postgres-nodes.ts';

const database = postgresForFile();

/** Every message of the selected mailbox: its Message-ID by UID. */
async function messageIds(c: RawImap): Promise<Map<number, string>> {
  const responses = await c.exchange('h', 'UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])');
  assert.match(responses.at(-1)!, /^h OK/);
  const out = new Map<number, string>();
  for (const r of responses) {
    const uid = /^\* \d+ FETCH \(.*\bUID (\d+)/.exec(r);
    const id = /Message-ID: <([^>]+)>/i.exec(r);
    if (uid && id) out.set(Number(uid[1]), id[1]!);
  }
  return out;
}

test('node A killed with SIGKILL under SMTP and IMAP load loses no acknowledged message, and node B serves during and after', async (t) => {
  const url = await database(t);
  if (!url) return;
  const { a, b } = await twoNodes(t, url);
  /** What a client was told was stored: Message-ID and, for an APPEND, its UID; `afterKill` for node B's. */
  const acked: { id: string; uid?: number; node: 'A' | 'B'; afterKill: boolean }[] = [];
  const KILL_AFTER = 30;
  const B_AFTER_KILL = 10;
  let killed = false;
  let killedAt: (() => void) | null = null;
  const kill = new Promise<void>((resolve) => (killedAt = resolve));
  const ackedOnA = () => acked.filter((m) => m.node === 'A').length;
  const maybeKill = () => {
    if (killed || ackedOnA() < KILL_AFTER) return;
    killed = true;
    a.child.kill('SIGKILL');
    killedAt!();
  };

  // Node A: two SMTP senders and two IMAP appenders, until A dies under them.
  const smtpOnA = async (w: number) => {
    for (let i = 0; ; i++) {
      const id = `smtp${w}.${i}@load.example.net`;
      try {
        if (/^250/.test(await sendMail(a.ports.smtp, id))) acked.push({ id, node: 'A', afterKill: false });
      } catch {
        return;
      }
      maybeKill();
    }
  };
  const imapOn = async (node: 'A' | 'B', w: number) => {
    const c = await aliceOn(t, (node === 'A' ? a : b).ports.imap);
    for (let i = 0; ; i++) {
      const id = `imap${node}${w}.${i}@load.example.net`;
      const afterKill = killed;
      try {
        acked.push({ id, uid: await appendUid(c, `a${i}`, messageWithId(id)), node, afterKill });
      } catch (err) {
        if (node === 'A' && killed) return;
        throw err;
      }
      if (node === 'A') maybeKill();
      else if (acked.filter((m) => m.node === 'B' && m.afterKill).length >= B_AFTER_KILL) return;
    }
  };
  await Promise.all([smtpOnA(0), smtpOnA(1), imapOn('A', 0), imapOn('A', 1), imapOn('B', 0), imapOn('B', 1), kill.then(() => exited(a.child))]);
  assert.equal((await exited(a.child)).signal, 'SIGKILL');

  // After the kill, node B still takes mail by SMTP as well.
  assert.match(await sendMail(b.ports.smtp, 'after@load.example.net'), /^250/);
  acked.push({ id: 'after@load.example.net', node: 'B', afterKill: true });

  const reader = await aliceOn(t, b.ports.imap);
  assert.match((await reader.command('s', 'SELECT INBOX')).at(-1)!, /^s OK/);
  const stored = await messageIds(reader);
  const ids = [...stored.values()];
  assert.equal(new Set(ids).size, ids.length, 'no message is stored twice');
  const missing = acked.filter((m) => !ids.includes(m.id));
  assert.deepEqual(missing, [], 'every message acknowledged before (and after) the kill is there, read from node B');
  for (const m of acked) if (m.uid !== undefined) assert.equal(stored.get(m.uid), m.id, `UID ${m.uid} of APPENDUID holds ${m.id}`);
  assert.ok(ackedOnA() >= KILL_AFTER);
  assert.ok(acked.filter((m) => m.node === 'B' && m.afterKill).length > B_AFTER_KILL);
  const check = await runCli(['--config', b.config, 'store', 'check'], { cwd: dirname(b.config) });
  assert.equal(check.code, 0, check.stderr);
  assert.match(check.stdout, /store is clean/);
});

test('the outbound queue of both nodes sends each message once: submissions on both, to a peer that holds them until all are queued', async (t) => {
  const url = await database(t);
  if (!url) return;
  const port = await sharedPort(['127.0.0.1']);
  const dns = await startDns(t, mxZone({ 'peer.example': '127.0.0.1' }));
  const PER_NODE = 8;
  // Every transaction stops at its RCPT until all messages are queued: both nodes then hold claims while the other scans the queue.
  const allQueued = Promise.withResolvers<void>();
  const received = await startPeer(t, '127.0.0.1', port, { hold: () => allQueued.promise });
  const { a, b } = await twoNodes(t, url, `[dns]\nservers = ["${dns.server}"]\n[queue]\nmx_port = ${port}\n`);

  const submit = async (node: 'A' | 'B') => {
    const transport = createTransport({ host: '127.0.0.1', port: (node === 'A' ? a : b).ports.submission, auth: { user: ALICE, pass: PASSWORD }, tls: { rejectUnauthorized: false } });
    t.after(() => transport.close());
    for (let i = 0; i < PER_NODE; i++) {
      const sent = await transport.sendMail({ from: ALICE, to: `hold${i}@peer.example`, subject: `queued on ${node} ${i}`, text: 'Once.' });
      assert.match(sent.response, /^250/);
    }
  };
  await Promise.all([submit('A'), submit('B')]);
  allQueued.resolve();

  // Nothing tells the test when the peer has the last one and the queue let go of it: both are looked at until they are so.
  const db = postgres(url, { max: 1, onnotice: () => {} });
  t.after(() => db.end());
  for (const deadline = Date.now() + 300_000; ; await new Promise((resolve) => setTimeout(resolve, 100))) {
    const [left] = await db<{ n: number }[]>`SELECT count(*)::int AS n FROM queue`;
    if (received.length >= 2 * PER_NODE && left!.n === 0) break;
    assert.ok(Date.now() < deadline, `${received.length} of ${2 * PER_NODE} arrived, ${left!.n} still queued`);
  }
  const subjects = received.map((m) => /^Subject: (.*)$/m.exec(m.raw)![1]!.trim()).sort();
  const expected = ['A', 'B'].flatMap((node) => Array.from({ length: PER_NODE }, (_, i) => `queued on ${node} ${i}`)).sort();
  assert.deepEqual(subjects, expected, 'each message arrived, and once');
  // And the nodes' logs agree: each queue entry was sent by one node, once.
  const sent = [a, b].flatMap((node) =>
    node
      .output()
      .split('\n')
      .flatMap((line) => {
        const entry = line.startsWith('{') ? (JSON.parse(line) as { msg?: string; queue?: string; outcome?: string }) : {};
        return entry.msg === 'delivery attempt' && entry.outcome === 'sent' ? [entry.queue] : [];
      }),
  );
  assert.equal(sent.length, 2 * PER_NODE, sent.join('\n'));
  assert.equal(new Set(sent).size, 2 * PER_NODE);
});
