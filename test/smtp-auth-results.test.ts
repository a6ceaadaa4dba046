import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { test, type TestContext } from 'node:test';
import { dkimSign, sealMessage } from 'mailauth';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Store } from '../src/store/types.ts';
import type { TestDns } from './helpers/dns.ts';
import { addAccount, inbox, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { collect } from './helpers/store.ts';

const ALICE = 'alice@example.org';

/** An RSA key pair with its DKIM record published under `selector._domainkey.domain`. */
function publishKey(zone: TestDns, domain: string, selector: string): string {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  zone.txt(`${selector}._domainkey.${domain}`, `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`);
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Test domains: SPF allows 127.0.0.1 only for `good.example`; each has its DMARC policy. */
function publishDomains(zone: TestDns): { goodKey: string; bankKey: string } {
  zone.txt('good.example', 'v=spf1 ip4:127.0.0.1 -all');
  zone.txt('_dmarc.good.example', 'v=DMARC1; p=reject');
  zone.txt('bank.example', 'v=spf1 ip4:192.0.2.1 -all');
  zone.txt('_dmarc.bank.example', 'v=DMARC1; p=none');
  zone.txt('reject.example', 'v=spf1 ip4:192.0.2.1 -all');
  zone.txt('_dmarc.reject.example', 'v=DMARC1; p=reject');
  zone.txt('quarantine.example', 'v=spf1 -all');
  zone.txt('_dmarc.quarantine.example', 'v=DMARC1; p=quarantine');
  return { goodKey: publishKey(zone, 'good.example', 'test'), bankKey: publishKey(zone, 'bank.example', 'test') };
}

/** Sends to the MX with nodemailer, optionally DKIM-signing with its own signer. */
async function sendToMx(t: TestContext, port: number, mail: Mail.Options, dkim?: { domainName: string; keySelector: string; privateKey: string }) {
  const transport = createTransport({ host: '127.0.0.1', port, ignoreTLS: true, name: 'client.example.net', ...(dkim ? { dkim } : {}) });
  t.after(() => transport.close());
  return transport.sendMail(mail);
}

async function mailbox(store: Store, address: string, name: string): Promise<string[]> {
  const account = (await store.getAccount(address))!;
  const box = (await store.getMailbox(account.id, name))!;
  return Promise.all((await store.listMessages(box.id)).map(async (m) => (await collect(store.readMessage(m))).toString()));
}

/** The Authentication-Results field of a stored message, unfolded. */
function authResults(stored: string): string {
  const match = /^Authentication-Results: ([^]*?)\r\n(?=\S)/m.exec(stored);
  assert.ok(match, stored);
  return match[1]!.replace(/\r\n\s+/g, ' ');
}

test('a message signed by a test key passes SPF, DKIM and DMARC; the verdict, with the spam result, sits above Received', async (t) => {
  const { store, mx, dns: zone } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  const { goodKey } = publishDomains(zone);
  const info = await sendToMx(
    t, mx,
    { from: 'News <news@good.example>', to: ALICE, subject: 'genuine', text: 'Hello from a real sender.\n' },
    { domainName: 'good.example', keySelector: 'test', privateKey: goodKey },
  );
  assert.match(info.response, /^250/);
  const [stored] = await inbox(store, ALICE);
  const text = stored!.bytes.toString();
  assert.match(text, /^Return-Path: <news@good\.example>\r\nDelivered-To: alice@example\.org\r\nX-Spam-Flag: NO\r\nX-Spam-Score: \S+\r\nX-Spam-Status: [^\r]*\r\nAuthentication-Results: localhost;[^]*?\r\nReceived: from client\.example\.net \(\[127\.0\.0\.1\]\)[^]*?\r\nReceived-SPF: pass /);
  const results = authResults(text);
  assert.match(results, /^localhost; /);
  assert.match(results, /dkim=pass header\.i=@good\.example header\.s=test/);
  assert.match(results, /spf=pass [^;]*smtp\.mailfrom=news@good\.example/);
  assert.match(results, /dmarc=pass /);
  assert.match(results, /; x-spam=pass policy\.score=-?\d+\.\d\d policy\.required=5\.00$/);
  assert.ok(zone.queries.includes('TXT test._domainkey.good.example'), JSON.stringify(zone.queries));
});

test('a forged message fails: a signature by the wrong key, a tampered body, a sender SPF does not allow', async (t) => {
  const { store, mx, dns: zone } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  const { goodKey } = publishDomains(zone);
  // Signed as bank.example with another key (good.example's): the published key does not match.
  await sendToMx(t, mx, { from: 'Bank <security@bank.example>', to: ALICE, subject: 'verify your account', text: 'Click.\n' }, {
    domainName: 'bank.example', keySelector: 'test', privateKey: goodKey,
  });
  const [forged] = await inbox(store, ALICE);
  const results = authResults(forged!.bytes.toString());
  assert.match(results, /dkim=fail [^;]*header\.i=@bank\.example/);
  assert.match(results, /spf=fail /);
  assert.match(results, /dmarc=fail /);
  assert.match(forged!.bytes.toString(), /^Received-SPF: fail /m);

  // A genuine signature over another body: the body hash no longer matches.
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  const bankKey = publishKey(zone, 'bank.example', 'second');
  const original = 'From: security@bank.example\r\nTo: alice@example.org\r\nSubject: amount\r\n\r\nPay 10 EUR.\r\n';
  const { signatures } = await dkimSign(original, { signingDomain: 'bank.example', selector: 'second', privateKey: bankKey });
  assert.match(await client.cmd('MAIL FROM:<security@bank.example>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await client.data(signatures + original.replace('10 EUR', '10000 EUR')), /^250/);
  const tampered = (await inbox(store, ALICE)).find((m) => m.bytes.includes('10000 EUR'))!;
  assert.doesNotMatch(authResults(tampered.bytes.toString()), /dkim=pass/);
  assert.match(authResults(tampered.bytes.toString()), /dmarc=fail /);
});

test('DMARC p=reject is refused at the end of DATA with 550 5.7.1; p=quarantine lands in Junk', async (t) => {
  const { store, mx, dns: zone } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  publishDomains(zone);
  await assert.rejects(
    sendToMx(t, mx, { from: 'ceo@reject.example', to: ALICE, subject: 'wire money', text: 'Now.\n' }),
    (err: Error & { responseCode?: number; response?: string }) => err.responseCode === 550 && /^550 5\.7\.1 .*DMARC policy of reject\.example/.test(err.response ?? ''),
  );
  assert.equal((await inbox(store, ALICE)).length, 0);

  await sendToMx(t, mx, { from: 'promo@quarantine.example', to: ALICE, subject: 'offer', text: 'Cheap.\n' });
  assert.equal((await inbox(store, ALICE)).length, 0);
  const [junk] = await mailbox(store, ALICE, 'Junk');
  assert.match(authResults(junk!), /dmarc=fail [^;]*policy\.dmarc=quarantine/);

  // The same sender with a good message still gets through: one refusal leaves the session usable.
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  assert.match(await client.cmd('MAIL FROM:<ceo@reject.example>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await client.data('From: ceo@reject.example\r\nSubject: x\r\n\r\nx\r\n'), /^550 5\.7\.1 /);
  assert.match(await client.cmd('MAIL FROM:<someone@elsewhere.example>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${ALICE}>`), /^250/);
  assert.match(await client.data('From: someone@elsewhere.example\r\nSubject: fine\r\n\r\nx\r\n'), /^250/);
  assert.match(authResults((await inbox(store, ALICE))[0]!.bytes.toString()), /dmarc=none/);
});

test('dmarc.reject = false files p=reject failures into Junk; dmarc.quarantine = false leaves p=quarantine in INBOX', async (t) => {
  const { store, mx, dns: zone } = await startSmtpServer(t, (c) => {
    c.dmarc.reject = false;
    c.dmarc.quarantine = false;
  });
  await addAccount(store, ALICE);
  publishDomains(zone);
  await sendToMx(t, mx, { from: 'ceo@reject.example', to: ALICE, subject: 'to junk', text: 'x\n' });
  await sendToMx(t, mx, { from: 'promo@quarantine.example', to: ALICE, subject: 'to inbox', text: 'x\n' });
  assert.deepEqual((await mailbox(store, ALICE, 'Junk')).map((m) => /Subject: (.*)/.exec(m)![1]), ['to junk']);
  assert.deepEqual((await inbox(store, ALICE)).map((m) => /Subject: (.*)/.exec(m.bytes.toString())![1]), ['to inbox']);
});

test('Authentication-Results and Received-SPF claiming to be ours are removed (any case, trailing dot, quoted, nested comments), others stay; an ARC seal is verified', async (t) => {
  const { store, mx, dns: zone } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  publishDomains(zone);
  const forwarderKey = publishKey(zone, 'lists.example', 'arc');
  const body =
    'Authentication-Results: localhost; dkim=pass header.i=@bank.example; dmarc=pass\r\n' +
    'Authentication-Results: LOCALHOST (forged); spf=pass\r\n' +
    // Our name with the root's trailing dot, quoted, or behind nested comments is still our name.
    'Authentication-Results: localhost.; dkim=pass header.i=@bank.example (forged)\r\n' +
    'Authentication-Results: (a (nested) comment) LocalHost.\r\n ; dmarc=pass (forged)\r\n' +
    'Authentication-Results: "localhost"; spf=pass (forged)\r\n' +
    'Received-SPF: pass (localhost.: domain of bank.example designates 127.0.0.1 as permitted sender, forged)\r\n' +
    'Received-SPF: pass (forged) client-ip=127.0.0.1; receiver=LOCALHOST.;\r\n' +
    'Received-SPF: pass (lists.example: kept) client-ip=192.0.2.1;\r\n' +
    'From: someone@lists.example\r\nTo: alice@example.org\r\nSubject: via a list\r\n\r\nForwarded.\r\n';
  // The list seals what it saw, as a forwarder does (RFC 8617).
  const seal = await sealMessage(Buffer.from(body), {
    signingDomain: 'lists.example',
    selector: 'arc',
    privateKey: forwarderKey,
    authResults: 'lists.example; spf=pass smtp.mailfrom=someone@lists.example',
    cv: 'none',
  });
  const sealed = Buffer.concat([seal, Buffer.from('Authentication-Results: lists.example; spf=pass smtp.mailfrom=someone@lists.example\r\n'), Buffer.from(body)]);
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  await client.cmd('MAIL FROM:<someone@lists.example>');
  await client.cmd(`RCPT TO:<${ALICE}>`);
  assert.match(await client.data(sealed), /^250/);
  const text = (await inbox(store, ALICE))[0]!.bytes.toString();
  const fields = text.match(/^Authentication-Results: [^;]*/gm) ?? [];
  assert.deepEqual(fields, ['Authentication-Results: localhost', 'Authentication-Results: lists.example']);
  assert.match(authResults(text), /arc=pass /);
  assert.doesNotMatch(text, /forged|header\.i=@bank\.example/);
  const spf = text.match(/^Received-SPF: [a-z]+ \([^:]*/gm) ?? [];
  assert.deepEqual(spf.map((f) => f.replace(/: [a-z]+ /, ': ')), ['Received-SPF: (localhost', 'Received-SPF: (lists.example']);
});

test('hostile messages get an answer and a verdict, and the MX keeps serving', async (t) => {
  const { store, mx, dns: zone } = await startSmtpServer(t);
  await addAccount(store, ALICE);
  publishDomains(zone);
  // Each with the right body hash, so that each one would need its key from DNS.
  const bh = createHash('sha256').update('x\r\n').digest('base64');
  const manySignatures = Array.from({ length: 300 }, (_, i) => `DKIM-Signature: v=1; a=rsa-sha256; d=d${i}.example; s=s; h=from; bh=${bh}; b=AAAA\r\n`).join('');
  const hostile = [
    'DKIM-Signature: v=1; a=rsa-sha256; d=good.example; s=test; h=from; bh=; b=\r\nFrom: news@good.example\r\n\r\nx\r\n',
    'DKIM-Signature: \x00\x01\xff;;;;====\r\nFrom: news@good.example\r\n\r\nx\r\n',
    `DKIM-Signature: v=1; a=ed25519-sha256; d=${'a'.repeat(300)}.example; s=${'s'.repeat(300)}; h=from; bh=x; b=y\r\nFrom: x@y.example\r\n\r\nx\r\n`,
    'DKIM-Signature: v=1; a=rsa-sha256; d=good.example; s=../../../etc; h=from; bh=x; b=y\r\nFrom: news@good.example\r\n\r\nx\r\n',
    `${manySignatures}From: news@good.example\r\n\r\nx\r\n`,
    'Subject: no from at all\r\n\r\nx\r\n',
    'From: a@one.example, b@two.example\r\nFrom: c@three.example\r\n\r\nx\r\n',
    `From: ${'x'.repeat(5000)}@good.example\r\nARC-Seal: i=1; a=rsa-sha256; cv=none; d=lists.example; s=arc; b=AAAA\r\nARC-Message-Signature: garbage\r\n\r\nx\r\n`,
    'no header at all, just text\r\n',
  ];
  for (const [i, raw] of hostile.entries()) {
    const client = await SmtpClient.connect(mx);
    await client.hello();
    await client.cmd('MAIL FROM:<x@good.example>');
    await client.cmd(`RCPT TO:<${ALICE}>`);
    assert.match(await client.data(raw), /^250 /, `message ${i}`);
    client.close();
  }
  const stored = await inbox(store, ALICE);
  assert.equal(stored.length, hostile.length);
  for (const m of stored) assert.match(m.bytes.toString(), /^Authentication-Results: localhost;/m);
  // 300 signatures cost at most the per-message budget of lookups, not 300.
  const keyLookups = zone.queries.filter((q) => /\._domainkey\.d\d+\.example$/.test(q)).length;
  assert.ok(keyLookups > 0 && keyLookups <= 50, String(keyLookups));
});
