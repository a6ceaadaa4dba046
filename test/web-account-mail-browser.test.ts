import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import { VACATION_SCRIPT } from '../src/sieve/vacation-script.ts';
import { launchChromium, logIn, review, SCREENSHOTS, submit } from './helpers/browser.ts';
import { startDns } from './helpers/dns.ts';
import { within } from './helpers/env.ts';
import { untilEmpty, untilQueue } from './helpers/queue.ts';
import { addAccount, inbox } from './helpers/smtp.ts';
import { PASSWORD, USER, startWebServer, type WebServer } from './helpers/web.ts';

/** Where the queue files every outgoing message instead of sending it: the vacation replies land here. */
const CAPTURE = 'outbox@example.org';

/** A message from another server to our MX, as nodemailer sends it. */
function fromWorld(web: WebServer, from: string, subject: string) {
  const port = web.server.listeners.smtp!.port;
  return createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'mx.example.net' }).sendMail({
    envelope: { from, to: [USER] },
    from,
    to: USER,
    subject,
    text: 'Hello there.',
  });
}

/** Subject and flags of every message in a mailbox, read over IMAP. */
async function messagesIn(imap: ImapFlow, box: string): Promise<{ subject: string; flags: string[] }[]> {
  const lock = await imap.getMailboxLock(box);
  try {
    const found: { subject: string; flags: string[] }[] = [];
    for await (const m of imap.fetch('1:*', { envelope: true, flags: true })) found.push({ subject: m.envelope?.subject ?? '', flags: [...(m.flags ?? [])] });
    return found;
  } finally {
    lock.release();
  }
}

test('on the account pages a user sets a vacation reply, a filter rule and a block: mail over SMTP then follows them', async (t) => {
  // The browser first: t.after hooks run in the order they are registered, so it closes before the server.
  const browser = await launchChromium(t);
  if (!browser) return;
  // A DNS server of our own that knows no name, so that SPF and DMARC lookups answer at once, off the network.
  const dns = await startDns(t);
  const web = await startWebServer(t, (c) => {
    c.queue.capture = CAPTURE;
    c.spam.enabled = true;
    c.dns.servers = [dns.server];
  });
  await addAccount(web.store, CAPTURE);
  const account = (await web.store.getAccount(USER))!;

  const page = browser.pages()[0] ?? (await browser.newPage());
  // The pages run no inline script: a CSP violation would show as a console error.
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('dialog', (d) => void d.accept());
  const base = `https://127.0.0.1:${web.https}`;

  await page.goto(`${base}/account/vacation`);
  assert.match(page.url(), /\/account\/login\?next=%2Faccount%2Fvacation$/);
  await logIn(page, USER);
  assert.equal(new URL(page.url()).pathname, '/account/vacation');

  // Vacation: on, until a day a year ahead, with quotes, a backslash and non-ASCII that the script must escape.
  const until = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Send an out-of-office reply').check();
  await page.getByLabel('Subject').fill('Away until "Monday" – Grüße');
  await page.getByLabel('Message').fill('I am away.\nBack on Monday \\ maybe.');
  await page.getByLabel('Last day away (optional)').fill(until);
  await page.getByLabel('Days before the same sender is answered again').fill('3');
  await submit(page, 'Save vacation reply');
  await page.getByText('Your vacation reply is on.').waitFor();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Away until "Monday" – Grüße', 'the form shows what is set');
  assert.equal(await page.getByLabel('Last day away (optional)').inputValue(), until);
  await review(page, 'account-vacation');

  const active = await web.store.getActiveSieveScript(account.id);
  assert.equal(active?.name, VACATION_SCRIPT, 'the vacation script is the active one');
  assert.match(active.content, /^require \["vacation", "date", "relational"\];\r$/m);
  assert.match(active.content, new RegExp(`^if currentdate :value "le" "date" "${until}" \\{\\r$`, 'm'));
  assert.ok(active.content.includes('vacation :days 3 :subject "Away until \\"Monday\\" – Grüße" "I am away.\r\nBack on Monday \\\\ maybe.";'), active.content);

  await page.goto(`${base}/account/filters`);
  await page.getByLabel('When').selectOption('from');
  await page.getByLabel('contains', { exact: true }).fill('billing@shop.example');
  await page.getByLabel('Move to folder').fill('Bills "2026"');
  await page.getByLabel('Mark as read').check();
  await submit(page, 'Add rule');
  await page.getByText('The rule was added.').waitFor();
  await page.getByRole('cell', { name: 'Bills "2026" (marked read)' }).waitFor();
  await review(page, 'account-filters');

  await page.goto(`${base}/account/spam`);
  await page.getByLabel('Address or domain').fill('pest.example');
  await page.getByLabel('List').selectOption('block');
  await submit(page, 'Add to list');
  await page.getByText('pest.example is on the always junk list.').waitFor();
  await page.getByRole('cell', { name: 'pest.example', exact: true }).waitFor();
  await review(page, 'account-spam');
  assert.deepEqual(errors, []);

  await fromWorld(web, 'friend@example.net', 'Hello');
  await fromWorld(web, 'friend@example.net', 'Hello again');
  await fromWorld(web, 'billing@shop.example', 'Invoice 42');
  await fromWorld(web, 'spammer@pest.example', 'Cheap pills');

  // The replies leave through the queue into the capture account: one per sender within the days, none to the blocked one.
  await within('two vacation replies captured', untilQueue(web.server.queue, async () => (await inbox(web.store, CAPTURE)).length >= 2));
  await within('the queue emptied', untilEmpty(web.server.queue));
  const replies = (await inbox(web.store, CAPTURE)).map((m) => m.bytes.toString());
  const to = (address: string) => replies.filter((m) => new RegExp(`^To: .*${address.replace(/\./g, '\\.')}`, 'im').test(m));
  assert.equal(replies.length, 2, replies.join('\n----\n'));
  assert.equal(to('friend@example.net').length, 1, 'one reply to the friend, though two messages came');
  assert.equal(to('billing@shop.example').length, 1);
  assert.match(to('friend@example.net')[0]!, /^Auto-Submitted: auto-replied/m);
  assert.match(to('friend@example.net')[0]!, /^Subject: Away until "Monday" =\?UTF-8\?Q\?=E2=80=93_Gr=C3=BC=C3=9Fe\?=\r$/m, 'the non-ASCII words encoded');
  assert.match(to('friend@example.net')[0]!, /\r\n\r\nI am away\.\r\nBack on Monday \\ maybe\.\r\n$/);

  const imap = new ImapFlow({ host: '127.0.0.1', port: web.imaps, secure: true, logger: false, tls: { servername: 'localhost', ca: web.ca }, auth: { user: USER, pass: PASSWORD } });
  imap.on('error', () => {});
  await imap.connect();
  t.after(() => imap.close());
  assert.deepEqual(await messagesIn(imap, 'Bills "2026"'), [{ subject: 'Invoice 42', flags: ['\\Seen'] }], 'the rule filed the invoice, read');
  assert.deepEqual((await messagesIn(imap, 'Junk')).map((m) => m.subject), ['Cheap pills'], 'the blocked sender is junk');
  assert.deepEqual((await messagesIn(imap, 'INBOX')).map((m) => m.subject), ['Hello', 'Hello again']);
  await imap.logout();
  t.diagnostic(`screenshots in ${SCREENSHOTS}`);
});
