import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { createTransport } from 'nodemailer';
import type { SandboxSummary } from '../src/sandbox/message.ts';
import { join } from 'node:path';
import { launchChromium, review, SCREENSHOTS } from './helpers/browser.ts';
import { apiJson, startSandboxServer, type SandboxServer } from './helpers/sandbox.ts';

const send = (s: SandboxServer, subject: string, html: string) =>
  createTransport({ host: '127.0.0.1', port: s.submission, secure: false, auth: { user: 'app', pass: 'dev' }, tls: { rejectUnauthorized: false } }).sendMail({
    from: 'shop@store.example',
    to: 'customer@example.net',
    subject,
    text: 'Your order has shipped.',
    html,
  });

test('sandbox in a browser: the list updates live, the HTML preview runs in a sandboxed iframe with the remote image blocked', async (t) => {
  // Where the message's remote image points: it must never be asked for.
  const imageRequests: string[] = [];
  const remote = createServer((req, res) => {
    imageRequests.push(req.url ?? '');
    res.end();
  });
  await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => remote.close(() => resolve())));
  const imageUrl = `http://127.0.0.1:${(remote.address() as AddressInfo).port}/pixel.png`;

  const browser = await launchChromium(t);
  if (!browser) return;
  const s = await startSandboxServer(t);
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on('dialog', (d) => void d.accept());
  const base = `https://127.0.0.1:${s.https}`;

  await send(s, 'Your order #1', '<p>First order.</p>');
  await apiJson(s, 'wait?q=subject:%22order%20%231%22');
  await page.goto(`${base}/sandbox/`);
  await page.getByRole('link', { name: 'Your order #1' }).waitFor();

  // With the page open, a new message appears at the top without a reload.
  const html = `<h1>Shipped</h1><p id="js">static</p><script>document.getElementById('js').textContent = 'script ran'</script>
<p><a href="https://store.example/orders/2">Track it</a></p><img src="${imageUrl}" alt="Logo" width="120" height="40">`;
  await send(s, 'Your order #2', html);
  await page.getByRole('link', { name: 'Your order #2' }).waitFor();
  assert.equal(await page.locator('tbody tr').first().getAttribute('data-id'), String((await apiJson<SandboxSummary>(s, 'wait?q=subject:%232')).body.id));
  await review(page, 'sandbox-inbox');

  await page.getByRole('link', { name: 'Your order #2' }).click();
  await page.getByRole('heading', { name: 'Your order #2', level: 1 }).waitFor();
  const iframe = page.locator('iframe.preview');
  assert.equal(await iframe.getAttribute('sandbox'), '', 'sandboxed, without allow-scripts');
  const preview = page.frameLocator('iframe.preview');
  await preview.getByRole('heading', { name: 'Shipped' }).waitFor();
  assert.equal(await preview.locator('#js').textContent(), 'static', 'the message script did not run');
  // The image element is there, its remote source was never fetched.
  assert.equal(await preview.locator('img').count(), 1);
  assert.equal(await page.locator('#remote-blocked').textContent(), '1 remote image blocked');
  assert.match((await page.locator('.problems').textContent()) ?? '', /script/);
  await review(page, 'sandbox-message');
  // The top of the page, small enough for docs/img/web-sandbox-message.png.
  await page.screenshot({ path: join(SCREENSHOTS, 'sandbox-message-top.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1150 } });
  assert.deepEqual(imageRequests, []);

  // Deleting everything empties the list.
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Delete this message' }).click()]);
  assert.equal(await page.getByRole('link', { name: 'Your order #2' }).count(), 0);
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Delete all messages' }).click()]);
  await page.getByText('No messages yet').waitFor();
});
