import assert from 'node:assert/strict';
import test from 'node:test';
import { createTransport } from 'nodemailer';
import { AdminService } from '../src/admin/service.ts';
import { adminSettings } from '../src/server.ts';
import { connectSieve, literal, PASSWORD, plainLogin, sieveCommand } from './helpers/managesieve.ts';
import { untilEmpty } from './helpers/queue.ts';
import { addAccount, inbox, startSmtpServer } from './helpers/smtp.ts';

const CAPTURE = 'outbox@a.test';
const ALICE = 'alice@a.test';

test('a script uploaded over ManageSieve files mail delivered by SMTP; vacation on top replies and keeps the filing', async (t) => {
  const s = await startSmtpServer(t, (c) => {
    c.queue.capture = CAPTURE;
    c.listeners.managesieve = { enabled: true, address: '127.0.0.1', port: 0 };
  });
  await addAccount(s.store, CAPTURE);
  const alice = await addAccount(s.store, ALICE);
  const { client } = await connectSieve(s.server.listeners.managesieve!.port);
  t.after(() => client.close());
  assert.equal((await plainLogin(client, ALICE, PASSWORD)).status, 'OK "Logged in"');
  const filters = 'require ["fileinto", "mailbox"];\r\nif exists "list-id" {\r\n  fileinto :create "Lists";\r\n}\r\n';
  assert.equal((await sieveCommand(client, 'PUTSCRIPT "filters" ', literal(filters))).status, 'OK');
  assert.equal((await sieveCommand(client, 'SETACTIVE "filters"')).status, 'OK');

  // What `mailfold vacation` does through the control socket.
  const admin = new AdminService(s.store, adminSettings(s.config));
  assert.deepEqual(await admin.vacation({ address: ALICE, on: true, subject: 'Away', message: 'Back on Monday.', until: '2999-12-31' }), { on: true, userScript: 'filters' });
  assert.deepEqual((await sieveCommand(client, 'LISTSCRIPTS')).lines, ['"filters"', '"mailfold-vacation" ACTIVE']);

  const send = (from: string, subject: string, headers: Record<string, string> = {}) =>
    createTransport({ host: '127.0.0.1', port: s.mx, secure: false, ignoreTLS: true, name: 'mx.example.net' }).sendMail({ from, to: ALICE, subject, text: 'Hello.', headers });
  await send('list@lists.example.net', 'List post', { 'List-Id': '<news.lists.example.net>' });
  await send('bob@example.net', 'Question');
  await untilEmpty(s.server.queue);
  const lists = await s.store.getMailbox(alice.id, 'Lists');
  assert.ok(lists, 'the included script still files');
  assert.equal((await s.store.listMessages(lists.id)).length, 1);
  assert.deepEqual((await inbox(s.store, ALICE)).map((m) => /Subject: (.*)/.exec(m.bytes.toString())![1]), ['Question']);
  const replies = (await inbox(s.store, CAPTURE)).map((m) => m.bytes.toString());
  assert.equal(replies.length, 1, 'a reply to bob, none to the list');
  assert.match(replies[0]!, /X-Original-To: bob@example\.net\r\n/);
  assert.match(replies[0]!, /Back on Monday\./);

  assert.deepEqual(await admin.vacation({ address: ALICE, on: false }), { on: false, userScript: 'filters' });
  assert.deepEqual((await sieveCommand(client, 'LISTSCRIPTS')).lines, ['"filters" ACTIVE']);
});
