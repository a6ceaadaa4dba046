import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { accessibilityViolations, launchChromium, logIn, review, SCREENSHOTS, submit } from './helpers/browser.ts';
import { ADMIN, USER, startWebServer } from './helpers/web.ts';

test('an admin logs in, adds a domain and an account, resets its password; an app password works over IMAP', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const web = await startWebServer(t);
  const page = browser.pages()[0] ?? (await browser.newPage());
  // The pages run no inline script: a CSP violation would show as a console error.
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('dialog', (d) => void d.accept());
  const base = `https://127.0.0.1:${web.https}`;

  await page.goto(`${base}/admin/domains`);
  assert.match(page.url(), /\/account\/login\?next=%2Fadmin%2Fdomains$/);
  await review(page, 'login');
  await logIn(page, ADMIN);
  assert.equal(new URL(page.url()).pathname, '/admin/domains', 'back to the page asked for');

  await page.getByLabel('Domain name').fill('family.example');
  await submit(page, 'Add domain');
  await page.getByText('Added family.example').waitFor();
  await review(page, 'admin-domains');

  await page.goto(`${base}/admin/accounts`);
  await page.getByLabel('Address').fill('kid@family.example');
  await page.getByLabel('Password', { exact: true }).fill('first password 1');
  await submit(page, 'Add account');
  await page.getByText('Added kid@family.example').waitFor();
  await review(page, 'admin-accounts');

  await page.getByRole('link', { name: 'kid@family.example' }).click();
  await page.getByLabel('New password').fill('second password 2');
  await submit(page, 'Set password');
  await page.getByText('New password set for kid@family.example').waitFor();
  await review(page, 'admin-account');

  for (const [path, name] of [['/admin/', 'admin-status'], ['/admin/aliases', 'admin-aliases'], ['/admin/queue', 'admin-queue'], ['/admin/certificate', 'admin-certificate'], ['/admin/dns', 'admin-dns'], ['/admin/events', 'admin-events']] as const) {
    await page.goto(base + path);
    await review(page, name);
  }
  await page.getByRole('button', { name: 'Log out admin@example.org' }).click();
  await page.waitForURL(/\/account\/login$/);

  // The account logs in with the password the admin set, and makes an app password for its phone.
  await logIn(page, 'kid@family.example', 'second password 2');
  await review(page, 'account');
  await page.goto(`${base}/account/app-passwords`);
  await page.getByLabel('Name (the device or program)').fill('phone');
  await submit(page, 'Make app password');
  const secret = (await page.locator('#secret').textContent()) ?? '';
  assert.match(secret, /^[a-z2-9]{5}(?:-[a-z2-9]{5}){3}$/);
  await review(page, 'account-app-passwords');
  await page.reload();
  assert.equal(await page.locator('#secret').count(), 0, 'shown once');
  for (const [path, name] of [['/account/password', 'account-password'], ['/account/setup', 'account-setup']] as const) {
    await page.goto(base + path);
    await review(page, name);
  }

  const imap = new ImapFlow({
    host: '127.0.0.1', port: web.imaps, secure: true, logger: false,
    tls: { servername: 'localhost', ca: web.ca },
    auth: { user: 'kid@family.example', pass: secret },
  });
  imap.on('error', () => {});
  await imap.connect();
  t.after(() => imap.close());
  assert.ok((await imap.list()).some((m) => m.path === 'INBOX'), 'the app password logs in over IMAP');
  assert.deepEqual(errors, []);
  t.diagnostic(`screenshots in ${SCREENSHOTS}`);
});

test('the queue pages with a held message: the list with its buttons, and the message', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const web = await startWebServer(t);
  // Held, so that the runner leaves it where it is while the pages are looked at.
  const held = await web.store.enqueue(
    { from: USER, createdAt: Date.now(), delayWarned: false, heldAt: Date.now(), recipients: [{ address: 'someone@remote.example', state: 'pending', attempts: 0, nextAttempt: 0 }] },
    Buffer.from('Subject: held\r\n\r\nhello\r\n'),
  );
  const page = browser.pages()[0] ?? (await browser.newPage());
  const base = `https://127.0.0.1:${web.https}`;
  await page.goto(`${base}/admin/queue`);
  await logIn(page, ADMIN);
  await page.getByRole('button', { name: `Release ${held.id}` }).waitFor();
  await review(page, 'admin-queue-held');
  await page.getByRole('link', { name: held.id }).click();
  await page.getByRole('heading', { name: `Queued message ${held.id}` }).waitFor();
  await page.getByRole('cell', { name: 'someone@remote.example' }).waitFor();
  await review(page, 'admin-queue-show');
});

test('a form posted from another origin is refused, and the browser keeps its session', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const web = await startWebServer(t);
  const page = browser.pages()[0] ?? (await browser.newPage());
  const base = `https://127.0.0.1:${web.https}`;
  await page.goto(`${base}/account/login`);
  await logIn(page, ADMIN);
  const token = await page.locator('input[name=_csrf]').first().inputValue();

  // A page of another origin on the same site (same host, other port), so the browser does
  // send the SameSite=Strict cookie: even with the right token, the Origin check refuses it.
  const evil = 'https://127.0.0.1:1/attack';
  await page.route(evil, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<form method="post" action="${base}/admin/domains"><input name="_csrf" value="${token}"><input name="name" value="evil.example"><button>Win a prize</button></form>`,
    }),
  );
  await page.goto(evil);
  // The accessibility check sees what our pages avoid: these inputs have no labels.
  assert.ok((await accessibilityViolations(page)).some((v) => v.id === 'label'));
  const [response] = await Promise.all([page.waitForResponse(`${base}/admin/domains`), page.getByRole('button', { name: 'Win a prize' }).click()]);
  assert.equal(response.status(), 403);
  assert.equal((await web.store.getDomain('evil.example')), null);
  await page.goto(`${base}/admin/events`);
  await page.getByText('web form from elsewhere').first().waitFor();
});

test('on the loopback HTTP listener a browser logs in too: it takes Secure cookies from localhost', async (t) => {
  const browser = await launchChromium(t);
  if (!browser) return;
  const web = await startWebServer(t);
  const page = browser.pages()[0] ?? (await browser.newPage());
  for (const host of ['127.0.0.1', 'localhost']) {
    await page.goto(`http://${host}:${web.http}/account/login`);
    await logIn(page, ADMIN);
    assert.equal(new URL(page.url()).pathname, '/account/', host);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
  }
});
