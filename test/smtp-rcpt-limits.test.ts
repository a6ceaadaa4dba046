import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { securityEvents } from '../src/auth/security-events.ts';
import { RecipientGuard } from '../src/smtp/recipient-guard.ts';
import { reply } from '../src/smtp/reply.ts';
import { untilQueue } from './helpers/queue.ts';
import { addAccount, inbox, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

/**
 * Sends MAIL FROM and every RCPT in one write, as a pipelining guesser does, and
 * reads the replies (their last lines) until all came or the server cut the session.
 */
async function pipelined(port: number, sender: string, rcpts: string[], localAddress?: string): Promise<{ replies: string[]; closed: boolean }> {
  const client = await SmtpClient.connect(port, localAddress ? { localAddress } : {});
  await client.hello();
  client.send([`MAIL FROM:<${sender}>`, ...rcpts.map((r) => `RCPT TO:<${r}>`)].map((l) => `${l}\r\n`).join(''));
  const replies: string[] = [];
  while (replies.length < rcpts.length + 1) {
    const last = (await client.reply()).at(-1)!;
    replies.push(last);
    if (last.startsWith('421')) break;
  }
  const closed = replies.at(-1)!.startsWith('421') && (await client.line()) === null;
  client.close();
  return { replies: replies.slice(1), closed };
}

const count = (replies: string[], pattern: RegExp) => replies.filter((r) => pattern.test(r)).length;

/** SRS addresses of a.test with forged hashes, each a guess at relaying to victim@victim.example. */
const guesses = (n: number, from = 0) => Array.from({ length: n }, (_, i) => `SRS0=${(from + i).toString(32).toUpperCase().padStart(8, 'A')}=AA=victim.example=victim@a.test`);

test('pipelined guesses of an SRS hash: 5 are checked per session, then 421 and close; 20 per address, then every RCPT from it is cut unchecked', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'carol@a.test');

  // Four sessions of 100 guesses each: five answered, the sixth RCPT cut.
  const answered: string[] = [];
  for (let session = 0; session < 4; session++) {
    const { replies, closed } = await pipelined(mx, '', guesses(100, session * 100));
    assert.equal(count(replies, /^550 5\.1\.1 Invalid or expired SRS address/), 5, JSON.stringify(replies));
    assert.match(replies.at(-1)!, /^421 4\.7\.0 Too many failed recipients in this session/);
    assert.equal(replies.length, 6);
    assert.ok(closed, 'the connection is closed after the 421');
    answered.push(...replies.filter((r) => r.startsWith('550')));
  }
  assert.equal(answered.length, 20, 'the guesses this address could make in the window');
  // Each cut is a security event the admin's web page lists.
  assert.ok(securityEvents.recent().filter((e) => e.kind === 'recipients-cut' && e.detail === 'failed recipients per session').length >= 4);

  // The address has used its failures: even a real user is not looked up for it now.
  const cut = await pipelined(mx, 'bob@example.net', ['carol@a.test', ...guesses(10, 1000)]);
  assert.deepEqual(cut.replies, ['421 4.7.0 Too many failed recipients from your address, try again later']);
  assert.ok(cut.closed);

  // Another address is not affected, and its own guesses are answered (and counted) as before.
  const other = await pipelined(mx, '', ['carol@a.test', ...guesses(3, 2000)], '127.0.0.2');
  assert.match(other.replies[0]!, /^250 2\.1\.5/);
  assert.equal(count(other.replies, /^550 5\.1\.1 /), 3);
});

test('unknown users count as failed RCPTs: harvesting a directory gets 5 answers and a 421', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'carol@a.test');
  const names = Array.from({ length: 50 }, (_, i) => `user${i}@a.test`);
  const { replies, closed } = await pipelined(mx, 'harvester@spam.example', names);
  assert.equal(count(replies, /^550 5\.1\.1 No such user/), 5, JSON.stringify(replies));
  assert.match(replies.at(-1)!, /^421 4\.7\.0 /);
  assert.ok(closed);

  // A session with real recipients among a few stale ones is served whole.
  const { replies: mixed } = await pipelined(mx, 'friend@example.net', ['carol@a.test', 'old@a.test', 'carol+news@a.test', 'gone@a.test']);
  assert.deepEqual(mixed.map((r) => r.slice(0, 3)), ['250', '550', '250', '550']);
});

test('a genuine SRS address with a non-null sender is 550 5.7.1 and counts as a failed RCPT', async (t) => {
  const { mx, store, server } = await startSmtpServer(t, (c) => (c.queue.capture = 'capture@a.test'));
  await addAccount(store, 'capture@a.test');
  await store.addAlias('fwd@a.test', ['bob@b.example']);
  // Forwarded out (into the capture mailbox instead of the world): its Return-Path is the SRS address.
  const first = await SmtpClient.connect(mx);
  t.after(() => first.close());
  await first.hello();
  assert.match(await first.cmd('MAIL FROM:<alice@sender.example>'), /^250/);
  assert.match(await first.cmd('RCPT TO:<fwd@a.test>'), /^250/);
  assert.match(await first.data(message('to be forwarded')), /^250/);
  const [forwarded] = await untilQueue(server.queue, async () => {
    const captured = await inbox(store, 'capture@a.test');
    return captured.length > 0 && captured;
  });
  const srs = /^Return-Path: <([^>]*)>/m.exec(forwarded!.bytes.toString())?.[1] ?? '';
  assert.match(srs, /^SRS0=[A-Z2-7]{8}=[A-Z2-7]{2}=sender\.example=alice@a\.test$/);

  // Six spammers' messages to it in one session: five refused, then the cut.
  const { replies } = await pipelined(mx, 'spammer@spam.example', Array(7).fill(srs) as string[]);
  assert.equal(count(replies, /^550 5\.7\.1 <[^>]+> takes only bounces \(MAIL FROM:<>\): relay access denied/), 5, JSON.stringify(replies));
  assert.match(replies.at(-1)!, /^421 4\.7\.0 /);
  assert.equal((await inbox(store, 'capture@a.test')).length, 1, 'nothing was relayed');
});

test('a session of 1000 refused RCPTs logs five of them and one summary line', async (t) => {
  const lines: string[] = [];
  let onDisconnect: () => void = () => {};
  const disconnected = new Promise<void>((resolve) => (onDisconnect = resolve));
  const log = pino({ level: 'info' }, {
    write: (line: string) => {
      lines.push(line);
      if (JSON.parse(line).msg === 'disconnect') onDisconnect();
    },
  });
  // Limits high enough that the session is never cut: only the log summary bounds it.
  const { mx, store } = await startSmtpServer(t, (c) => {
    c.limits.failed_recipients_per_session = 100000;
    c.limits.failed_recipients_per_ip = 100000;
  }, log);
  await addAccount(store, 'carol@a.test');
  const before = lines.length;
  const client = await SmtpClient.connect(mx);
  await client.hello();
  const rcpts = Array.from({ length: 1000 }, (_, i) => `RCPT TO:<nobody${i}@a.test>\r\n`).join('');
  client.send(`MAIL FROM:<bob@example.net>\r\n${rcpts}QUIT\r\n`);
  let refused = 0;
  for (let i = 0; i < 1002; i++) if ((await client.reply()).at(-1)!.startsWith('550 5.1.1')) refused++;
  assert.equal(refused, 1000);
  await disconnected;
  const session = lines.slice(before).map((l) => JSON.parse(l) as { msg: string; refused?: number; unlogged?: number; ip?: string });
  assert.equal(session.filter((l) => l.msg === 'recipient refused').length, 5);
  const summary = session.filter((l) => l.msg === 'recipients refused');
  assert.deepEqual(summary.map(({ refused, unlogged, ip }) => ({ refused, unlogged, ip })), [{ refused: 1000, unlogged: 995, ip: '127.0.0.1' }]);
  assert.ok(session.length < 20, `${session.length} lines for the session`);
});

test('postmaster and abuse of every local domain, and the bare postmaster, reach the first account unless an alias says otherwise', async (t) => {
  const { mx, store } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  await addAccount(store, 'bob@example.org');
  await addAccount(store, 'carol@other.example');
  await store.addAlias('abuse@other.example', ['bob@example.org']);
  await store.addDomain('aliases.example');
  await store.addAlias('info@aliases.example', ['carol@other.example']);

  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  // One message per address, its Subject naming it: alice is the first account of
  // example.org and of the server (aliases.example has none of its own).
  const routes: [string, string][] = [
    ['postmaster@example.org', 'alice@example.org'],
    ['abuse@example.org', 'alice@example.org'],
    ['Postmaster', 'alice@example.org'],
    ['postmaster@aliases.example', 'alice@example.org'],
    ['Postmaster@other.example', 'carol@other.example'],
    ['abuse@other.example', 'bob@example.org'],
  ];
  for (const [rcpt, sender] of routes.map(([rcpt], i) => [rcpt, i % 2 ? '' : 'reporter@example.net'] as const)) {
    // The null sender too: DSNs and reports about our own mail come with it.
    assert.match(await client.cmd(`MAIL FROM:<${sender}>`), /^250/);
    assert.match(await client.cmd(`RCPT TO:<${rcpt}>`), /^250 2\.1\.5/, rcpt);
    assert.match(await client.data(message(rcpt)), /^250/);
  }
  const subjects = async (address: string) => (await inbox(store, address)).map((m) => /^Subject: (.*)$/m.exec(m.bytes.toString())?.[1]).sort();
  for (const account of ['alice@example.org', 'bob@example.org', 'carol@other.example']) {
    assert.deepEqual(await subjects(account), routes.filter(([, to]) => to === account).map(([rcpt]) => rcpt).sort(), account);
  }
});

test('the per-address window: failures leave it as they age, and an IPv6 /64 is one address', async () => {
  let now = 0;
  const guard = new RecipientGuard({ perSession: 100, perIp: 3, windowSeconds: 600 }, () => now);
  const silent = pino({ level: 'silent' });
  const refuse = async () => reply(550, '5.1.1', 'No such user');
  const answer = (ip: string, session = ip) => guard.answer({ id: session, ip, limited: true }, 'x@a.test', refuse, silent);
  for (const [i, ip] of ['2001:db8:1:2::1', '2001:db8:1:2:ffff::9', '2001:0db8:0001:0002::abcd'].entries()) {
    now = i * 60_000;
    assert.equal((await answer(ip))?.responseCode, 550);
  }
  assert.equal((await answer('2001:db8:1:2::77'))?.responseCode, 421, 'the /64 used its three');
  assert.equal((await answer('2001:db8:1:3::1'))?.responseCode, 550, 'the next /64 is another address');
  assert.equal((await answer('::ffff:192.0.2.1'))?.responseCode, 550);
  now = 600_001;
  assert.equal((await answer('2001:db8:1:2::77'))?.responseCode, 550, 'the oldest failure left the window');
  assert.equal((await answer('2001:db8:1:2::78'))?.responseCode, 421);
});
