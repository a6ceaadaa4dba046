import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test, type TestContext } from 'node:test';
import { createTransport } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { authResultsField, failedVerdict, verdictHeaders } from '../src/spam/verdict.ts';
import { addAccount, imapflow } from './helpers/imap.ts';
import { SmtpClient, startSmtpServer } from './helpers/smtp.ts';

// mailauth's own Authentication-Results parser (the one its ARC verification uses); not in its exports map.
const parseAuthHeader = createRequire(import.meta.url)('mailauth/lib/parse-dkim-headers.js') as (line: string) => { parsed: AuthResults };

/** One method's result as mailauth parses it: the result, its reason and its properties by ptype. */
interface MethodResult {
  value: string;
  reason?: string;
  smtp?: Record<string, string>;
  policy?: Record<string, string>;
}
/** The authserv-id as `value`, then each method by name. */
type AuthResults = { value: string } & Record<string, MethodResult | string>;
const method = (parsed: AuthResults, name: string) => parsed[name] as MethodResult;

const HAM = 'ham@example.org';
const SPAM = 'spam@example.org';
const BROKEN = 'broken@example.org';

async function sendToMx(t: TestContext, port: number, mail: Mail.Options) {
  const transport = createTransport({ host: '127.0.0.1', port, ignoreTLS: true, name: 'client.example.net' });
  t.after(() => transport.close());
  return transport.sendMail(mail);
}

const authResults = (fields: string[]) => fields.filter((f) => /^Authentication-Results:/i.test(f));

/** The header fields of the newest message in `mailbox`, as an IMAP client reads them. */
async function fetchHeader(t: TestContext, port: number, user: string, mailbox: string): Promise<string[]> {
  const client = await imapflow(t, port, user);
  const lock = await client.getMailboxLock(mailbox);
  try {
    const message = await client.fetchOne('*', { source: true });
    assert.ok(message && message.source, `no message in ${user} ${mailbox}`);
    const header = message.source.toString().split('\r\n\r\n')[0]!;
    return header.split(/\r\n(?=\S)/);
  } finally {
    lock.release();
  }
}

test('each copy from the MX carries its account\'s spam verdict as x-spam in our one Authentication-Results, read by IMAP and parsed by mailauth', async (t) => {
  const { store, mx, server } = await startSmtpServer(t, (c) => (c.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 }));
  const imap = server.listeners.imap!.port;
  await addAccount(store, HAM);
  const spammed = await addAccount(store, SPAM);
  const broken = await addAccount(store, BROKEN);
  await store.setSenderEntry(spammed.id, 'offers.example', 'block');
  // This account's spam statistics cannot be read, as with a failing store: its copy is not scored.
  const spamCounts = store.spamCounts.bind(store);
  store.spamCounts = (accountId, tokens) => (accountId === broken.id ? Promise.reject(new Error('store "unavailable"\r\nX-Injected: yes')) : spamCounts(accountId, tokens));
  const info = await sendToMx(t, mx, { from: 'deals@offers.example', to: [HAM, SPAM, BROKEN], subject: 'one message, three verdicts', text: 'Hello.\n' });
  assert.match(info.response, /^250/);

  const verdicts: Record<string, MethodResult> = {};
  for (const [user, mailbox] of [[HAM, 'INBOX'], [SPAM, 'Junk'], [BROKEN, 'INBOX']] as const) {
    const header = await fetchHeader(t, imap, user, mailbox);
    // An error's line breaks never start a field of their own.
    assert.ok(!header.some((f) => f.startsWith('X-Injected')), header.join('\n'));
    const fields = authResults(header);
    assert.equal(fields.length, 1, fields.join('\n'));
    const { parsed } = parseAuthHeader(fields[0]!);
    assert.equal(parsed.value, 'localhost');
    assert.equal(method(parsed, 'spf').value, 'none');
    verdicts[user] = method(parsed, 'x-spam');
  }
  assert.deepEqual(verdicts[HAM], { value: 'pass', policy: { score: verdicts[HAM]!.policy!.score!, required: '5.00' } });
  assert.ok(Number(verdicts[HAM]!.policy!.score) < 5);
  assert.equal(verdicts[SPAM]!.value, 'fail');
  assert.ok(Number(verdicts[SPAM]!.policy!.score) >= 100, JSON.stringify(verdicts[SPAM]));
  assert.equal(verdicts[BROKEN]!.value, 'temperror');
  assert.match(String(verdicts[BROKEN]!.reason), /unavailable/);
});

test('an Authentication-Results from outside naming our host, with x-spam=pass, is dropped: the copy shows only our verdict', async (t) => {
  const { store, mx, server } = await startSmtpServer(t, (c) => (c.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 }));
  const imap = server.listeners.imap!.port;
  const spammed = await addAccount(store, SPAM);
  await store.setSenderEntry(spammed.id, 'offers.example', 'block');
  const forged = 'Authentication-Results: localhost; x-spam=pass policy.score=-50.00 policy.required=5.00\r\n' + 'Authentication-Results: LocalHost. (ours, honest); spf=pass; x-spam=pass\r\n' + 'Authentication-Results: elsewhere.example; x-spam=pass\r\n';
  const client = createTransport({ host: '127.0.0.1', port: mx, ignoreTLS: true, name: 'client.example.net' });
  t.after(() => client.close());
  await client.sendMail({ envelope: { from: 'deals@offers.example', to: [SPAM] }, raw: `${forged}From: deals@offers.example\r\nTo: ${SPAM}\r\nSubject: trust me\r\n\r\nBuy.\r\n` });
  const fields = authResults(await fetchHeader(t, imap, SPAM, 'Junk'));
  assert.equal(fields.length, 2, fields.join('\n'));
  assert.equal(parseAuthHeader(fields[0]!).parsed.value, 'localhost');
  assert.equal(method(parseAuthHeader(fields[0]!).parsed, 'x-spam').value, 'fail');
  assert.equal(parseAuthHeader(fields[1]!).parsed.value, 'elsewhere.example');
});

test('what a sender controls (HELO, MAIL FROM, From) cannot add an x-spam result of its own to ours', async (t) => {
  const { store, mx, server } = await startSmtpServer(t, (c) => (c.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 }));
  const imap = server.listeners.imap!.port;
  const spammed = await addAccount(store, SPAM);
  await store.setSenderEntry(spammed.id, 'offers.example', 'block');
  const client = await SmtpClient.connect(mx);
  t.after(() => client.close());
  await client.hello('x;x-spam=pass');
  assert.match(await client.cmd('MAIL FROM:<"x;x-spam=pass"@offers.example>'), /^250/);
  assert.match(await client.cmd(`RCPT TO:<${SPAM}>`), /^250/);
  assert.match(await client.data('From: "a; x-spam=pass" <deals@offers.example> (; x-spam=pass)\r\nSubject: s\r\n\r\nx\r\n'), /^250/);
  const fields = authResults(await fetchHeader(t, imap, SPAM, 'Junk'));
  assert.equal(fields.length, 1, fields.join('\n'));
  const { parsed } = parseAuthHeader(fields[0]!);
  assert.equal(method(parsed, 'x-spam').value, 'fail', fields[0]);
  // The sender's text stays inside its quoted property values; the only x-spam result is ours, at the end.
  assert.equal(method(parsed, 'spf').smtp?.helo, 'x;x-spam=pass');
  assert.match(fields[0]!, /;\s*x-spam=fail policy\.score=100\.00 policy\.required=5\.00$/);
});

test('the field stays parseable whatever an error says, and "none" gives way to the spam result', () => {
  const hostile = failedVerdict('a "quoted" \\ back\r\nX-Injected: yes;\tx-spam=pass (' + 'x'.repeat(500));
  const written = verdictHeaders(hostile, 5, 'mx.example; none');
  assert.doesNotMatch(written, /\r\nX-Injected/);
  const field = written.split(/\r\n(?=\S)/).find((f) => f.startsWith('Authentication-Results:'))!;
  assert.doesNotMatch(field, /none/);
  const { parsed } = parseAuthHeader(field);
  assert.equal(parsed.value, 'mx.example');
  assert.equal(method(parsed, 'x-spam').value, 'temperror');
  assert.match(String(method(parsed, 'x-spam').reason), /^a 'quoted' ' back X-Injected: yes; x-spam=pass \(x+$/);
  // Without a spam verdict (spam filter off) the MX's value is written as it is; without one, nothing.
  assert.equal(authResultsField('mx.example; none'), 'Authentication-Results: mx.example; none\r\n');
  assert.equal(authResultsField(undefined, { verdict: hostile, junkScore: 5 }), '');
});
