import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import type { SandboxMessage, SandboxSummary } from '../src/sandbox/message.ts';
import { MAX_SUBSCRIBERS as MAX_STREAMS, MAX_WAITERS } from '../src/sandbox/inbox.ts';
import { mxZone, startDns } from './helpers/dns.ts';
import { sharedPort, startPeer } from './helpers/peer.ts';
import { HOSTNAME } from './helpers/pop3.ts';
import { untilEmpty } from './helpers/queue.ts';
import { apiJson, outsideAddress, SANDBOX_ACCOUNT, SANDBOX_PASSWORD, sandboxRequest, startSandboxServer, TOKEN, type SandboxServer } from './helpers/sandbox.ts';

const run = promisify(execFile);

const HTML = '<p>Welcome, <a href="http://example.com/start">start here</a>.</p><img src="https://tracker.example/pixel.png"><img src="cid:logo@shop" alt="Logo" width="1" height="1">';
/** A 1x1 PNG, sent inline. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

const sendWithNodemailer = (s: SandboxServer, subject: string) =>
  createTransport({ host: '127.0.0.1', port: s.submission, secure: false, auth: { user: 'whoever', pass: 'anything at all' }, tls: { rejectUnauthorized: false } }).sendMail({
    from: 'ceo@bigbank.example',
    to: ['bob@peer.test', 'carol@example.org'],
    subject,
    text: 'Plain words.',
    html: HTML,
    attachments: [{ filename: 'report.csv', content: 'a,b\n1,2\n' }, { filename: 'logo.png', content: PNG, cid: 'logo@shop' }],
    // As a spam filter and a verifying MTA would have written them.
    headers: { 'X-Spam-Score': '2.5', 'X-Spam-Status': 'No', 'Authentication-Results': 'mx.example; spf=pass smtp.mailfrom=bigbank.example' },
  });

/** Python's smtplib: STARTTLS, a login nobody has, a sender nobody owns. */
const sendWithSmtplib = (s: SandboxServer, subject: string) =>
  run('python3', ['-c', `
import smtplib, ssl, sys
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
with smtplib.SMTP('127.0.0.1', int(sys.argv[1])) as s:
    s.starttls(context=ctx)
    s.login('nobody', 'wrong')
    s.sendmail('noreply@anything.example', ['dave@elsewhere.example'], 'From: noreply@anything.example\\r\\nTo: dave@elsewhere.example\\r\\nSubject: ' + sys.argv[2] + '\\r\\n\\r\\nHi.\\r\\n')
`, String(s.submission), subject]);

/** The first event of that name on the sandbox's event stream, once `action` has run with the stream open. */
function nextEvent(s: SandboxServer, name: string, action: () => Promise<unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: s.https, path: '/sandbox/api/events', headers: { Host: HOSTNAME }, ca: s.ca, servername: HOSTNAME });
    req.on('response', (res) => {
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        if (buffer.startsWith(': connected')) void action().catch(reject);
        const match = new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`).exec(buffer);
        if (match) {
          req.destroy();
          resolve(JSON.parse(match[1]!));
        }
        buffer = buffer.replace(/^: connected\n\n/, '');
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('sandbox: any login and sender submit; the message is in the API, the event stream and IMAP, and no peer hears of it', async (t) => {
  const peerPort = await sharedPort(['127.0.0.1']);
  const peer = await startPeer(t, '127.0.0.1', peerPort);
  const dns = await startDns(t, mxZone({ 'peer.test': '127.0.0.1', 'example.org': '127.0.0.1', 'elsewhere.example': '127.0.0.1' }));
  const s = await startSandboxServer(t, (c) => {
    c.queue.mx_port = peerPort;
    c.dns.servers = [`127.0.0.1:${dns.port}`];
  });

  // A client waits before the message exists: the wait answers when it is captured.
  const waited = apiJson<SandboxSummary>(s, 'wait?q=subject:welcome&timeout=25');
  const announced = (await nextEvent(s, 'message', () => sendWithNodemailer(s, 'Welcome aboard'))) as SandboxSummary;
  const { status, body: first } = await waited;
  assert.equal(status, 200);
  assert.equal(first.subject, 'Welcome aboard');
  assert.equal(announced.id, first.id);
  assert.equal(first.from, 'ceo@bigbank.example');
  assert.deepEqual(first.recipients, ['bob@peer.test', 'carol@example.org']);

  const listed = await apiJson<{ messages: SandboxSummary[] }>(s, 'messages?q=from:bigbank');
  assert.deepEqual(listed.body.messages.map((m) => m.id), [first.id]);
  assert.deepEqual((await apiJson<{ messages: SandboxSummary[] }>(s, 'messages?q=subject:nothing-like-this')).body.messages, []);
  assert.equal((await apiJson<{ messages: SandboxSummary[] }>(s, 'messages?q=text:%22plain%20words%22')).body.messages.length, 1);

  const { body: message } = await apiJson<SandboxMessage>(s, `messages/${first.id}`);
  assert.equal(message.text.trim(), 'Plain words.');
  assert.match(message.html, /tracker\.example/);
  assert.deepEqual(message.attachments.map((a) => [a.filename, a.contentType, a.cid]), [['logo.png', 'image/png', 'logo@shop'], ['report.csv', 'text/csv', undefined]]);
  assert.match(message.html, /<img src="data:image\/png;base64,iVBOR[^"]+" alt="Logo"/, 'the inline image is inlined for the preview');
  assert.ok(message.headers.some((h) => h.name === 'X-Original-To' && h.value === 'bob@peer.test'));
  assert.equal(message.htmlCheck?.remoteImages, 1);
  assert.deepEqual(message.spam, [{ name: 'X-Spam-Score', value: '2.5' }, { name: 'X-Spam-Status', value: 'No' }]);
  assert.deepEqual(message.authentication, ['mx.example; spf=pass smtp.mailfrom=bigbank.example']);
  assert.deepEqual(message.htmlCheck?.problems.map((p) => p.kind).sort(), ['image-size', 'insecure-link', 'missing-alt', 'remote-image']);
  const raw = await sandboxRequest(s, `/sandbox/api/messages/${first.id}/raw`);
  assert.equal(raw.headers['content-type'], 'message/rfc822');
  assert.match(String(raw.headers['content-disposition']), /^attachment; filename="message-\d+\.eml"/);
  assert.match(raw.body, /^Return-Path: <ceo@bigbank\.example>\r\n/);
  const attachment = await sandboxRequest(s, `/sandbox/api/messages/${first.id}/attachments/1`);
  assert.equal(attachment.body, 'a,b\n1,2\n');
  assert.match(String(attachment.headers['content-disposition']), /^attachment; filename="report\.csv"/);

  // smtplib: another login and sender; a wait with `since` skips what was there already.
  const second = apiJson<SandboxSummary>(s, `wait?since=${first.id}&timeout=25`);
  await sendWithSmtplib(s, 'From Python');
  assert.equal((await second).body.subject, 'From Python');

  // Over IMAP, the sandbox account's INBOX holds both.
  const imap = new ImapFlow({ host: '127.0.0.1', port: s.imap, secure: false, doSTARTTLS: false, auth: { user: SANDBOX_ACCOUNT, pass: SANDBOX_PASSWORD }, logger: false });
  imap.on('error', () => {});
  await imap.connect();
  t.after(() => imap.close());
  await imap.mailboxOpen('INBOX');
  const subjects: string[] = [];
  for await (const m of imap.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
  assert.deepEqual(subjects, ['Welcome aboard', 'From Python']);

  // Nothing went anywhere: the queue is empty, no peer got a connection, nobody asked DNS for an MX.
  await untilEmpty(s.server.queue);
  assert.equal(peer.length, 0);
  assert.deepEqual(dns.queries, []);

  assert.deepEqual((await apiJson(s, `messages/${first.id}`, { method: 'DELETE' })).body, { deleted: 1 });
  assert.equal((await apiJson(s, `messages/${first.id}`)).status, 404);
  assert.deepEqual((await apiJson(s, 'messages', { method: 'DELETE' })).body, { deleted: 1 });
  assert.deepEqual((await apiJson<{ messages: unknown[] }>(s, 'messages')).body.messages, []);
});

test('sandbox: a client not on this machine needs the token, for the API and the pages; [web] off keeps only the sandbox', async (t) => {
  const s = await startSandboxServer(t, (c) => (c.web.enabled = false));
  assert.equal((await sandboxRequest(s, '/admin/')).status, 404);
  assert.equal((await sandboxRequest(s, '/account/login')).status, 404);
  const from = outsideAddress();
  const refused = await sandboxRequest(s, '/sandbox/api/messages', { from });
  assert.equal(refused.status, 401);
  assert.match(String(refused.headers['www-authenticate']), /^Bearer/);
  assert.equal((await sandboxRequest(s, '/sandbox/api/messages', { from, headers: { Authorization: 'Bearer wrong-token-0123456789abc' } })).status, 401);
  assert.equal((await sandboxRequest(s, '/sandbox/api/messages', { from, headers: { Authorization: `Bearer ${TOKEN}` } })).status, 200);
  assert.equal((await sandboxRequest(s, '/sandbox/', { from })).status, 401);
  // A page opened with ?token= sets a cookie and drops the token from the address.
  const opened = await sandboxRequest(s, `/sandbox/?token=${TOKEN}`, { from });
  assert.equal(opened.status, 303);
  assert.equal(opened.headers.location, '/sandbox/');
  const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
  assert.match(String(opened.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  assert.equal((await sandboxRequest(s, '/sandbox/', { from, headers: { Cookie: cookie } })).status, 200);
  // From this machine no token is needed.
  assert.equal((await sandboxRequest(s, '/sandbox/api/messages')).status, 200);
});

test('sandbox: hostile input gets 4xx, waiters are bounded, and the server keeps serving', async (t) => {
  const s = await startSandboxServer(t, (c) => (c.limits.connections_per_ip = MAX_WAITERS + MAX_STREAMS + 20));
  const status = async (path: string, method = 'GET') => (await sandboxRequest(s, path, { method })).status;
  assert.equal(await status(`/sandbox/api/messages?q=${'a'.repeat(10_000)}`), 400);
  assert.equal(await status(`/sandbox/api/messages?q=${'a%20'.repeat(100)}`), 400);
  assert.equal(await status(`/sandbox/?q=${'x'.repeat(1000)}`), 400);
  assert.equal(await status('/sandbox/api/messages?limit=lots'), 400);
  assert.equal(await status('/sandbox/api/wait?timeout=-1'), 400);
  for (const id of ['abc', '0', '-1', '99999999999', '1e3', '%00']) assert.equal(await status(`/sandbox/api/messages/${id}`), 400, id);
  assert.equal(await status('/sandbox/api/messages/12345'), 404);
  assert.equal(await status('/sandbox/api/messages/1/attachments/x'), 400);
  assert.equal(await status('/sandbox/api/messages/1/attachments/0'), 404);
  assert.equal(await status('/sandbox/api/messages/1/raw/more/parts'), 404);
  assert.equal(await status('/sandbox/api/nothing'), 404);
  assert.equal(await status('/sandbox/api/messages', 'POST'), 405);
  assert.equal(await status('/sandbox/message?id=../../etc/passwd'), 404);
  assert.equal(await status('/sandbox/preview?id=1'), 404);
  assert.equal(await status('/sandbox/delete?id=nope', 'POST'), 400);

  // Every waiter slot taken: one more is refused (429), everything else still answers.
  const abort = new AbortController();
  const waiting = Array.from({ length: MAX_WAITERS }, () =>
    sandboxRequest(s, '/sandbox/api/wait?timeout=25', { signal: abort.signal }).catch(() => null),
  );
  let refusal = 0;
  while (refusal !== 429) refusal = await status('/sandbox/api/wait?timeout=0');
  assert.equal(await status('/sandbox/api/messages'), 200);
  abort.abort();
  // Event streams are bounded too.
  const streams = new AbortController();
  const open = Array.from({ length: MAX_STREAMS }, () => sandboxRequest(s, '/sandbox/api/events', { signal: streams.signal }).catch(() => null));
  let streamRefusal = 0;
  while (streamRefusal !== 429) streamRefusal = (await sandboxRequest(s, '/sandbox/api/events', { signal: AbortSignal.timeout(60_000) }).catch(() => ({ status: 0 }))).status;
  streams.abort();
  await Promise.all(open);
  await Promise.all(waiting);
  // The slots of clients that went away are free again.
  let after = 429;
  while (after === 429) after = await status('/sandbox/api/wait?timeout=0');
  assert.equal(after, 204);
});
