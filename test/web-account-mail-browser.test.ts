import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { createTransport } from 'nodemailer';
import type { Page } from 'playwright-core';
import { launchChromium, reviewPage, SCREENSHOTS } from './helpers/browser.ts';
import { untilEmpty, untilQueue } from './helpers/queue.ts';
import { addAccount, inbox } from './helpers/smtp.ts';
import { PASSWORD, USER, startWebServer } from './helpers/web.ts';

const CAPTURE = 'outbox@example.org';

async function submit(page: Page, button: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: button, exact: true }).click()]);
}

async function review(page: Page, name: string): Promise<void> {
  assert.deepEqual(await reviewPage(page, name), [], name);
}

/** Mail from the world to the MX, as another server sends it. */
function fromWorld(port: number, from: string, subject: string) {
  return createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, name: 'mx.example.net' }).sendMail({
    envelope: { from, to: [USER] },
    from,
    to: USER,
    subject,
    text: 'Hello there.',
  });
}

test('on the account pages a user sets a vacation reply, a filter rule and a block: SMTP mail then follows them', async (t) => {
  const web = await startWebServer(t, (c) => {
    c.queue.capture = CAPTURE;
    c.spam.enabled = true;
  });
  await addAccount(web.store, CAPTURE);
  const browser = await launchChromium(t);
  if (!browser) return;
  const page = browser.pages()[0] ?? (await browser.newPage());
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('dialog', (d) => void d.accept());
  const base = `https://127.0.0.1:${web.https}`;
  await page.goto(`${base}/account/vacation`);
  await page.getByLabel('Email address').fill(USER);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await submit(page, 'Log in');

  await page.getByLabel('Send an out-of-office reply').check();
  await page.getByLabel('Subject').fill('Away until "Monday" – Grüße');
  await page.getByLabel('Message').fill('I am away.\nBack on Monday \\ maybe.');
  await page.getByLabel('Days before the same sender is answered again').fill('3');
  await submit(page, 'Save vacation reply');
  await page.getByText('Your vacation reply is on.').waitFor();
  assert.equal(await page.getByLabel('Subject').inputValue(), 'Away until "Monday" – Grüße', 'the form shows what is set');
  await review(page, 'account-vacation');

  await page.goto(`${base}/account/filters`);
  await page.getByLabel('When').selectOption('subject');
  await page.getByLabel('contains', { exact: true }).fill('Invoice');
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
  await submit(page, 'Forget what was learned');
  await page.getByText('The spam filter forgot what it learned').waitFor();
  await review(page, 'account-spam');
  assert.deepEqual(errors, []);

  const smtp = web.server.listeners.smtp!.port;
  await fromWorld(smtp, 'friend@example.net', 'Hello');
  await fromWorld(smtp, 'friend@example.net', 'Invoice 42');
  await fromWorld(smtp, 'spammer@pest.example', 'Cheap pills');

  // The vacation reply leaves through the queue (captured): one to the friend, though two messages came.
  await untilQueue(web.server.queue, async () => (await inbox(web.store, CAPTURE)).length > 0);
  await untilEmpty(web.server.queue);
  const replies = (await inbox(web.store, CAPTURE)).map((m) => m.bytes.toString()).filter((m) => /^To: .*friend@example\.net/im.test(m));
  assert.equal(replies.length, 1, 'one reply per sender within the days');
  assert.match(replies[0]!, /^Subject: .*Away until/m);
  assert.match(replies[0]!, /^Auto-Submitted: auto-replied/m);

  const imap = new ImapFlow({ host: '127.0.0.1', port: web.imaps, secure: true, logger: false, tls: { servername: 'localhost', ca: web.ca }, auth: { user: USER, pass: PASSWORD } });
  imap.on('error', () => {});
  await imap.connect();
  t.after(() => imap.close());
  const subjects = async (box: string) => {
    const lock = await imap.getMailboxLock(box);
    try {
      const found: { subject: string; flags: string[] }[] = [];
      for await (const m of imap.fetch('1:*', { envelope: true, flags: true })) found.push({ subject: m.envelope?.subject ?? '', flags: [...(m.flags ?? [])] });
      return found;
    } finally {
      lock.release();
    }
  };
  assert.deepEqual(await subjects('Bills "2026"'), [{ subject: 'Invoice 42', flags: ['\\Seen'] }], 'the rule filed the invoice, read');
  assert.deepEqual((await subjects('Junk')).map((m) => m.subject), ['Cheap pills'], 'the blocked sender is junk');
  assert.deepEqual((await subjects('INBOX')).map((m) => m.subject), ['Hello']);
  t.diagnostic(`screenshots in ${SCREENSHOTS}`);
});
