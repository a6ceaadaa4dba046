import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { addAccount, deliver, imapflow, PASSWORD, startImapServer } from './helpers/imap.ts';
import { message } from './helpers/store.ts';

const MULTIPART = [
  'From: "Bob Example" <bob@example.net>',
  'To: Alice <alice@example.org>, carol@example.org',
  'Cc: dave@example.org',
  'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and a file',
  'Date: Sun, 22 Nov 2026 10:00:00 +0100',
  'Message-ID: <multi@example.net>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="XX"',
  '',
  'preamble',
  '--XX',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Hello Alice, the report is attached. Caf=C3=A9.',
  '--XX',
  'Content-Type: application/octet-stream; name="report.bin"',
  'Content-Disposition: attachment; filename="report.bin"',
  'Content-Transfer-Encoding: base64',
  '',
  'AAECAwQFBgcICQ==',
  '--XX--',
  '',
].join('\r\n');

async function populated(t: import('node:test').TestContext) {
  const env = await startImapServer(t);
  await addAccount(env.store, 'alice@example.org');
  await deliver(env.store, 'alice@example.org', message('first', 'First body line.\r\n'));
  await deliver(env.store, 'alice@example.org', MULTIPART);
  await deliver(env.store, 'alice@example.org', message('third', 'x'.repeat(200_000) + '\r\n'));
  return env;
}

test('imapflow: list, status, fetch every item, search, flags, copy, move, append, expunge', async (t) => {
  const { port } = await populated(t);
  const client = await imapflow(t, port, 'alice@example.org');
  const list = await client.list();
  assert.deepEqual(list.map((m) => m.path).sort(), ['Archive', 'Drafts', 'INBOX', 'Junk', 'Sent', 'Trash']);
  assert.equal(list.find((m) => m.path === 'Sent')?.specialUse, '\\Sent');
  const status = await client.status('INBOX', { messages: true, unseen: true, uidNext: true, highestModseq: true });
  assert.ok(status);
  assert.deepEqual([status.messages, status.unseen, status.uidNext], [3, 3, 4]);

  const lock = await client.getMailboxLock('INBOX');
  t.after(() => lock.release());
  const msg = await client.fetchOne('2', { uid: true, flags: true, envelope: true, bodyStructure: true, internalDate: true, size: true, source: true, headers: ['subject', 'from'] });
  assert.ok(msg);
  assert.equal(msg.uid, 2);
  assert.equal(msg.envelope?.subject, 'Grüße and a file');
  assert.deepEqual(msg.envelope?.from, [{ name: 'Bob Example', address: 'bob@example.net' }]);
  assert.equal(msg.envelope?.to?.length, 2);
  assert.equal(msg.envelope?.messageId, '<multi@example.net>');
  assert.equal(msg.bodyStructure?.type, 'multipart/mixed');
  assert.deepEqual(msg.bodyStructure?.childNodes?.map((n) => [n.part, n.type]), [['1', 'text/plain'], ['2', 'application/octet-stream']]);
  assert.equal(msg.bodyStructure?.childNodes?.[1]?.dispositionParameters?.filename, 'report.bin');
  const source = msg.source!.toString();
  assert.ok(source.startsWith('Return-Path: <sender@example.net>\r\nDelivered-To: alice@example.org\r\nFrom: "Bob Example"'), source.slice(0, 120));
  assert.equal(msg.size, source.length);
  assert.equal(msg.headers?.toString(), 'From: "Bob Example" <bob@example.net>\r\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and a file\r\n\r\n');
  assert.deepEqual([...(msg.flags ?? [])], []);

  // Parts by number; the attachment decoded by the client from base64.
  const { content, meta } = await client.download('2', '2');
  assert.ok(content && meta);
  const chunks: Buffer[] = [];
  for await (const chunk of content) chunks.push(chunk as Buffer);
  assert.deepEqual(Buffer.concat(chunks), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
  assert.equal(meta.filename, 'report.bin');
  const parts = await client.fetchOne('2', { bodyParts: ['1', '1.mime', 'text', 'header'] });
  assert.ok(parts);
  assert.equal(parts.bodyParts?.get('1')?.toString(), 'Hello Alice, the report is attached. Caf=C3=A9.');
  assert.match(parts.bodyParts!.get('1.mime')!.toString(), /^Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n$/);
  assert.ok(parts.bodyParts!.get('text')!.toString().startsWith('preamble\r\n--XX'));
  assert.ok(parts.headers!.toString().startsWith('Return-Path:'), 'BODY[HEADER] includes the per-copy prefix');

  // The large message is streamed whole.
  const big = await client.fetchOne('3', { source: true, size: true });
  assert.equal(big && big.source?.length, big && big.size);

  // Nothing above was marked \Seen except by source/download, which use BODY[] without PEEK? imapflow peeks.
  assert.deepEqual(await client.search({ seen: false }), [1, 2, 3]);
  assert.deepEqual(await client.search({ subject: 'grüße' }), [2]);
  assert.deepEqual(await client.search({ body: 'CAFÉ' }), [2]);
  assert.deepEqual(await client.search({ from: 'bob@example' }), [1, 2, 3]);
  assert.deepEqual(await client.search({ to: 'carol' }), [2]);
  assert.deepEqual(await client.search({ larger: 100_000 }), [3]);
  assert.deepEqual(await client.search({ or: [{ subject: 'first' }, { subject: 'third' }] }), [1, 3]);
  assert.deepEqual(await client.search({ not: { subject: 'first' }, header: { 'message-id': 'multi' } }), [2]);
  assert.deepEqual(await client.search({ sentSince: new Date('2026-11-22T00:00:00Z'), sentBefore: new Date('2026-11-23T00:00:00Z') }), [1, 2, 3]);
  assert.deepEqual(await client.search({ since: new Date(Date.now() - 86_400_000) }), [1, 2, 3]);
  assert.deepEqual(await client.search({ uid: '2:*' }, { uid: true }), [2, 3]);

  assert.ok(await client.messageFlagsAdd('1:2', ['\\Seen', '$Important']));
  assert.deepEqual(await client.search({ keyword: '$Important' }), [1, 2]);
  assert.ok(await client.messageFlagsRemove('1', ['$Important']));
  const flags = await client.fetchOne('1', { flags: true });
  assert.deepEqual([...(flags ? flags.flags ?? [] : [])], ['\\Seen']);

  const copied = await client.messageCopy('1:2', 'Archive');
  assert.ok(copied);
  assert.deepEqual([...(copied.uidMap?.entries() ?? [])], [[1, 1], [2, 2]]);
  const moved = await client.messageMove('3', 'Trash');
  assert.ok(moved);
  assert.deepEqual([...(moved.uidMap?.entries() ?? [])], [[3, 1]]);
  assert.equal(client.mailbox && client.mailbox.exists, 2);

  const appended = await client.append('Drafts', 'Subject: draft\r\n\r\nText\r\n', ['\\Draft'], new Date('2026-01-02T03:04:05Z'));
  assert.ok(appended);
  assert.equal(appended.uid, 1);

  assert.ok(await client.messageDelete('1'));
  assert.equal(client.mailbox && client.mailbox.exists, 1);
  const remaining = await client.fetchAll('1:*', { uid: true });
  assert.deepEqual(remaining.map((m) => m.uid), [2]);
});

test('imapflow over port 993 with certificate verification, and IDLE push from a delivery', async (t) => {
  const { store, tlsPort } = await populated(t);
  const ca = (await store.getCertificate('localhost'))!.certPem;
  const client = await imapflow(t, tlsPort, 'alice@example.org', { secure: true, ca });
  await client.mailboxOpen('INBOX');
  const exists = once(client, 'exists');
  // Whether the delivery lands before or after IDLE starts, it must be pushed.
  void client.idle().catch(() => {});
  await deliver(store, 'alice@example.org', message('while idling'));
  const [event] = (await exists) as [{ count: number; prevCount: number }];
  assert.deepEqual([event.prevCount, event.count], [3, 4]);
});

test('Python imaplib: login, select, fetch, search, store, copy, expunge, UID commands', async (t) => {
  const { port } = await populated(t);
  const script = `
import imaplib, json, sys
m = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
out = {}
out['login'] = m.login('alice@example.org', sys.argv[2])[0]
typ, data = m.select('INBOX')
out['exists'] = data[0].decode()
typ, data = m.fetch('2', '(BODY.PEEK[HEADER.FIELDS (SUBJECT)] RFC822.SIZE FLAGS)')
out['subject'] = data[0][1].decode()
typ, data = m.fetch('1', '(BODY[TEXT]<0.5>)')
out['partial'] = data[0][1].decode()
typ, data = m.fetch('1', '(FLAGS)')
out['seen_after_body'] = data[0].decode()
typ, data = m.search(None, 'UNSEEN')
out['unseen'] = data[0].decode()
typ, data = m.uid('SEARCH', 'TEXT', 'report')
out['uid_search'] = data[0].decode()
m.store('3', '+FLAGS', '(\\\\Deleted)')
typ, data = m.copy('2', 'Archive')
out['copy'] = typ
typ, data = m.expunge()
out['expunge'] = [d.decode() for d in data]
typ, data = m.uid('FETCH', '1:*', '(UID FLAGS)')
out['uid_fetch'] = [d.decode() for d in data]
typ, data = m.status('Archive', '(MESSAGES)')
out['status'] = data[0].decode()
out['logout'] = m.logout()[0]
print(json.dumps(out))
`;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('python3', ['-c', script, String(port), PASSWORD], (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out))),
  );
  const out = JSON.parse(stdout) as Record<string, unknown>;
  assert.deepEqual(out, {
    login: 'OK',
    exists: '3',
    subject: 'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= and a file\r\n\r\n',
    partial: 'First',
    seen_after_body: '1 (FLAGS (\\Recent \\Seen))',
    unseen: '2 3',
    uid_search: '2',
    copy: 'OK',
    expunge: ['3'],
    uid_fetch: ['1 (UID 1 FLAGS (\\Recent \\Seen))', '2 (UID 2 FLAGS (\\Recent))'],
    status: '"Archive" (MESSAGES 1)',
    logout: 'BYE',
  });
});
