import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { isSrsAddress, SRS_MAX_AGE_DAYS, srsForward, srsReverse } from '../src/delivery/srs.ts';
import { dnsRecord, generateDkimKeys } from '../src/dkim/keys.ts';
import { mxZone, startDns, type TestDns, type Zone } from './helpers/dns.ts';
import { sharedPort } from './helpers/peer.ts';
import { untilQueue } from './helpers/queue.ts';
import { addAccount, inbox, PASSWORD, startSmtpServer, type SmtpTestServer } from './helpers/smtp.ts';

const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const NOW = Date.parse('2026-11-23T12:00:00Z');
const DAY = 86_400_000;

test('SRS: forward and reverse, forwards of forwards, and every bad address refused', () => {
  const srs0 = srsForward('Alice@Sender.example', 'fwd.example', SECRET, NOW);
  assert.match(srs0, /^SRS0=[A-Z2-7]{8}=[A-Z2-7]{2}=Sender\.example=Alice@fwd\.example$/);
  assert.deepEqual(srsReverse(srs0, SECRET, NOW), { address: 'Alice@Sender.example' });
  // Some MTAs lower-case the local part on the way back.
  assert.deepEqual(srsReverse(srs0.toLowerCase(), SECRET, NOW + DAY), { address: 'alice@sender.example' });
  assert.deepEqual(srsReverse(srs0, SECRET, NOW + SRS_MAX_AGE_DAYS * DAY), { address: 'Alice@Sender.example' });
  assert.deepEqual(srsReverse(srs0, SECRET, NOW + (SRS_MAX_AGE_DAYS + 1) * DAY), { error: 'expired' });

  // A second forwarder names the first; a bounce goes back to the first as SRS0.
  const srs1 = srsForward(srs0, 'second.example', SECRET, NOW);
  assert.match(srs1, /^SRS1=[A-Z2-7]{8}=fwd\.example==[A-Z2-7]{8}=[A-Z2-7]{2}=Sender\.example=Alice@second\.example$/);
  assert.deepEqual(srsReverse(srs1, SECRET, NOW), { address: srs0 });
  const third = srsForward(srs1, 'third.example', SECRET, NOW);
  assert.match(third, /^SRS1=[A-Z2-7]{8}=fwd\.example==.*@third\.example$/);
  assert.deepEqual(srsReverse(third, SECRET, NOW), { address: srs0 });

  // Nothing to rewrite: the null sender, a sender already in the forwarding domain.
  assert.equal(srsForward('', 'fwd.example', SECRET, NOW), '');
  assert.equal(srsForward('bob@fwd.example', 'fwd.example', SECRET, NOW), 'bob@fwd.example');

  const [local, domain] = srs0.split('@') as [string, string];
  const tampered = `${local.replace(/^SRS0=(.)/, (_, c: string) => `SRS0=${c === 'A' ? 'B' : 'A'}`)}@${domain}`;
  assert.deepEqual(srsReverse(tampered, SECRET, NOW), { error: 'bad-hash' });
  assert.deepEqual(srsReverse(srs0, Buffer.from('another secret'), NOW), { error: 'bad-hash' });
  assert.deepEqual(srsReverse(srs0.replace('=Alice@', '=Mallory@'), SECRET, NOW), { error: 'bad-hash' });
  // A hash of the old 4-character form, or cut short, is no match.
  assert.deepEqual(srsReverse(srs0.replace(/^(SRS0=.{4}).{4}/, '$1'), SECRET, NOW), { error: 'bad-hash' });
  for (const bad of ['SRS0=@fwd.example', 'SRS0=abcd=AA=x@fwd.example', 'SRS0=abcd=AA==x@fwd.example', 'SRS1=abcd@fwd.example', 'SRS0=' + '='.repeat(500) + '@x', 'SRS0=abcd=A!=d=l@fwd.example']) {
    assert.ok('error' in srsReverse(bad, SECRET, NOW), bad);
  }
  assert.deepEqual(srsReverse('alice@fwd.example', SECRET, NOW), { error: 'not-srs' });
  assert.deepEqual(srsReverse('SRS0=no-domain', SECRET, NOW), { error: 'not-srs' });
  assert.equal(isSrsAddress('srs0=x'), true);
  assert.equal(isSrsAddress('srs2=x'), false);
});

const A = '127.0.0.2';
const B = '127.0.0.3';
const ZONE: Zone = { ...mxZone({ 'a.test': A, 'b.test': B }), 'sender.test': { mx: [[10, 'mx.b.test']] } };

/** Sends one message to a server's MX as an unauthenticated peer would; resolves to the error, if any. */
async function relay(host: string, port: number, from: string, to: string, raw: string): Promise<Error | null> {
  const client = new SMTPConnection({ host, port, name: 'peer.example', ignoreTLS: true, logger: false });
  client.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    client.once('error', reject);
    client.connect(() => resolve());
  });
  const error = await new Promise<Error | null>((resolve) => client.send({ from: from || false, to: [to] } as SMTPConnection.Envelope, raw, (err) => resolve(err ?? null)));
  client.quit();
  return error;
}

/** The bodies in an INBOX of `to` once it holds `count` messages, looked at whenever `from`'s queue moves. */
const inboxOf = (from: SmtpTestServer, to: SmtpTestServer, address: string, count: number) =>
  untilQueue(from.server.queue, async () => {
    const messages = await inbox(to.store, address);
    return messages.length >= count && messages.map((m) => m.bytes.toString());
  });

/** A and B, each the MX of its domains, resolving through one test DNS server whose zone the test may add to. */
async function world(t: TestContext): Promise<{ a: SmtpTestServer; b: SmtpTestServer; dns: TestDns }> {
  const dns = await startDns(t, ZONE);
  const port = await sharedPort([A, B]);
  const start = (address: string) =>
    startSmtpServer(t, (c) => {
      c.listeners.smtp = { enabled: true, address, port };
      c.queue.mx_port = port;
      c.dns.servers = [dns.server];
    });
  return { a: await start(A), b: await start(B), dns };
}

test('an alias forwarding out rewrites a foreign sender with SRS; a bounce to that address reaches the sender', async (t) => {
  const { a, b } = await world(t);
  await a.store.addDomain('a.test');
  await addAccount(a.store, 'carol@a.test');
  await a.store.addAlias('fwd@a.test', ['bob@b.test']);
  await addAccount(b.store, 'bob@b.test');
  await b.store.addDomain('sender.test');
  await addAccount(b.store, 'alice@sender.test');

  assert.equal(await relay(A, a.server.listeners.smtp!.port, 'alice@sender.test', 'fwd@a.test', 'From: alice@sender.test\r\nSubject: forwarded\r\n\r\nhello\r\n'), null);
  const [forwarded] = await inboxOf(a, b, 'bob@b.test', 1);
  const returnPath = /^Return-Path: <([^>]*)>/.exec(forwarded!)?.[1] ?? '';
  assert.match(returnPath, /^SRS0=[A-Z2-7]{8}=[A-Z2-7]{2}=sender\.test=alice@a\.test$/);

  // Anyone else who learnt the address cannot use it to reach the original sender through A.
  const spam = await relay(A, a.server.listeners.smtp!.port, 'spammer@sender.test', returnPath, 'From: spammer@sender.test\r\nSubject: spam\r\n\r\nspam\r\n');
  assert.match(String((spam as { response?: string } | null)?.response), /^550 5\.7\.1 .*takes only bounces/);

  // The destination bounces to the rewritten sender: A sends it on to the original one.
  assert.equal(await relay(A, a.server.listeners.smtp!.port, '', returnPath, 'From: MAILER-DAEMON@b.test\r\nSubject: Undelivered Mail\r\n\r\nbounce\r\n'), null);
  const [bounce, ...more] = await inboxOf(a, b, 'alice@sender.test', 1);
  assert.equal(more.length, 0, 'the spam was not relayed');
  assert.match(bounce!, /^Return-Path: <>/);
  assert.match(bounce!, /Subject: Undelivered Mail/);

  // A forged or altered SRS address is an unknown user, not an open relay.
  const forged = returnPath.replace(/=alice@/, '=mallory@');
  const refused = await relay(A, a.server.listeners.smtp!.port, '', forged, 'Subject: x\r\n\r\nx\r\n');
  assert.match(String((refused as { response?: string } | null)?.response), /^550 5\.1\.1/);
  assert.match(String((await relay(A, a.server.listeners.smtp!.port, '', 'SRS0=junk@a.test', 'Subject: x\r\n\r\nx\r\n') as { response?: string } | null)?.response), /^550 5\.1\.1/);

  // A local sender forwarded through the same alias keeps its own address.
  await createTransport({ host: '127.0.0.1', port: a.submission, secure: false, auth: { user: 'carol@a.test', pass: PASSWORD }, tls: { rejectUnauthorized: false } }).sendMail({
    from: 'carol@a.test',
    to: 'fwd@a.test',
    subject: 'from a local user',
    text: 'hi',
  });
  const both = await inboxOf(a, b, 'bob@b.test', 2);
  assert.match(both[1]!, /^Return-Path: <carol@a\.test>/);
});

test('mail an alias forwards is ARC-sealed with the domain\'s RSA key, and the next hop finds the seal valid', async (t) => {
  const { a, b, dns } = await world(t);
  await addAccount(a.store, 'carol@a.test');
  await a.store.addAlias('fwd@a.test', ['bob@b.test']);
  await a.store.addAlias('local@a.test', ['carol@a.test']);
  const keys = await generateDkimKeys('a.test', '20261123');
  await a.store.addDkimKeys('a.test', keys);
  for (const key of keys) {
    const record = dnsRecord(key, true);
    dns.add(record.name, 'TXT', record.value);
  }
  await addAccount(b.store, 'bob@b.test');
  const rsa = keys.find((k) => k.algorithm === 'rsa')!;

  const mx = a.server.listeners.smtp!.port;
  assert.equal(await relay(A, mx, 'alice@sender.test', 'fwd@a.test', 'From: alice@sender.test\r\nSubject: sealed\r\n\r\nhello\r\n'), null);
  const [forwarded] = await inboxOf(a, b, 'bob@b.test', 1);
  const headers = forwarded!.slice(0, forwarded!.indexOf('\r\n\r\n'));
  assert.match(headers, new RegExp(`^ARC-Seal: i=1; a=rsa-sha256; t=\\d+; cv=none; d=a\\.test;\\r\\n s=${rsa.selector};`, 'm'));
  assert.match(headers, /^ARC-Message-Signature: i=1; /m);
  assert.match(headers, /^ARC-Authentication-Results: i=1; /m);
  // B, the next hop, verified the chain A made.
  const results = /^Authentication-Results: [^\r]*(?:\r\n[ \t][^\r]*)*/m.exec(headers)?.[0] ?? '';
  assert.match(results, /arc=pass/);

  // Mail that stays local is not sealed.
  assert.equal(await relay(A, mx, 'alice@sender.test', 'local@a.test', 'From: alice@sender.test\r\nSubject: kept\r\n\r\nhello\r\n'), null);
  const [kept] = await inbox(a.store, 'carol@a.test');
  assert.doesNotMatch(kept!.bytes.toString(), /^ARC-Seal:/m);
});
