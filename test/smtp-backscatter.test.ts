import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addAccount, inbox, SmtpClient, startSmtpServer } from './helpers/smtp.ts';
import { message } from './helpers/store.ts';

/**
 * Senders whose reports land in a local INBOX, where the test can read them: SPF
 * allows 127.0.0.1 for example.com, and nothing for example.net (anyone can forge it).
 */
test('the MX honours success and delay reports only for a sender SPF vouches for, and never returns the content', async (t) => {
  const { mx, store, dns } = await startSmtpServer(t);
  dns.txt('example.com', 'v=spf1 ip4:127.0.0.1 -all');
  dns.txt('example.net', 'v=spf1 ip4:192.0.2.1 -all');
  for (const address of ['alice@example.org', 'carol@example.com', 'victim@example.net']) await addAccount(store, address);
  // A small mailbox behind an alias: empty at RCPT, too small for the message at DATA, so
  // its copy fails while alice's is written and a failure report goes out.
  await addAccount(store, 'full@example.org', { bytes: 100 });
  await store.addAlias('both@example.org', ['alice@example.org', 'full@example.org']);
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello();
  const send = async (from: string, to: string, subject: string) => {
    assert.match(await client.cmd(`MAIL FROM:<${from}> RET=FULL ENVID=${subject}`), /^250/);
    assert.match(await client.cmd(`RCPT TO:<${to}> NOTIFY=SUCCESS,DELAY,FAILURE`), /^250/);
    assert.match(await client.data(message(subject, 'The secret text of the message.\r\n')), /^250/);
  };
  const reports = async (address: string) => (await inbox(store, address)).map((m) => m.bytes.toString()).filter((m) => m.startsWith('Return-Path: <>'));

  // A forged sender gets no success report.
  await send('victim@example.net', 'alice@example.org', 'forged');
  assert.deepEqual(await reports('victim@example.net'), []);
  // One SPF vouches for does.
  await send('carol@example.com', 'alice@example.org', 'genuine');
  const [delivered, ...none] = await reports('carol@example.com');
  assert.equal(none.length, 0);
  assert.match(delivered!, /^Action: delivered\r\n/m);

  // A failure report still goes, RET=FULL or not, with the header only.
  await send('victim@example.net', 'both@example.org', 'partly');
  const [failed, ...more] = await reports('victim@example.net');
  assert.equal(more.length, 0);
  assert.match(failed!, /^Final-Recipient: rfc822; both@example\.org\r\nAction: failed\r\n/m);
  assert.match(failed!, /Content-Type: text\/rfc822-headers\r\n\r\n[^]*Subject: partly\r\n/);
  assert.doesNotMatch(failed!, /secret text/);
  // So does the sender SPF vouches for: the content stays here.
  await send('carol@example.com', 'both@example.org', 'partly too');
  const failedToo = (await reports('carol@example.com')).find((m) => m.includes('Action: failed'));
  assert.ok(failedToo);
  assert.doesNotMatch(failedToo, /secret text/);
});
