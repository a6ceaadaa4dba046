import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { AdminService } from '../src/admin/service.ts';
import { securityEvents } from '../src/auth/security-events.ts';
import { adminSettings } from '../src/server.ts';
import type { QueueEntry } from '../src/store/types.ts';
import { ROUTES } from '../src/web/router.ts';
import { fetchText } from './helpers/http.ts';
import { ADMIN, USER, WebClient, startWebServer, type WebServer } from './helpers/web.ts';

/** Every page and action, with a value for the parameter it reads, as a browser would ask for it. */
const PAGES = ROUTES.map((r) => ({ ...r, url: r.path === '/admin/account' ? `${r.path}?address=${USER}` : r.path }));

/** One raw request over TLS, for bodies and headers node's client would not send. */
function rawHttps(web: WebServer, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port: web.https, servername: 'localhost', ca: web.ca });
    let text = '';
    socket.on('secureConnect', () => socket.end(request));
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('close', () => resolve(text));
    socket.on('error', (err) => (text ? resolve(text) : reject(err)));
  });
}

test('every page and action without a session is sent to the login page', async (t) => {
  const web = await startWebServer(t);
  const anonymous = new WebClient(web);
  assert.ok(PAGES.length >= 25, `all routes: ${PAGES.length}`);
  for (const page of PAGES) {
    const reply = page.method === 'GET' ? await anonymous.get(page.url) : await anonymous.post(page.url, { _csrf: 'x', name: 'evil.example' });
    assert.equal(reply.status, 303, `${page.method} ${page.url}`);
    assert.match(String(reply.headers.location), /^\/account\/login\?next=/, `${page.method} ${page.url}`);
  }
  assert.deepEqual((await web.store.listDomains()).map((d) => d.name), ['example.org'], 'no action ran');
  const login = await anonymous.get('/account/login');
  assert.equal(login.status, 200);
  assert.match(login.body, /<form method="post" action="\/account\/login/);
});

test('a user session gets 403 on every admin page and action, and its own pages', async (t) => {
  const web = await startWebServer(t);
  const user = new WebClient(web);
  assert.equal((await user.login(USER)).status, 303);
  const csrf = await user.csrf();
  for (const page of PAGES) {
    const reply = page.method === 'GET' ? await user.get(page.url) : await user.post(page.url, { _csrf: csrf, name: 'evil.example', address: ADMIN, password: 'a new password 123' });
    if (page.role === 'admin') assert.equal(reply.status, 403, `${page.method} ${page.url}`);
    else if (page.method === 'GET') assert.equal(reply.status, 200, `${page.method} ${page.url}`);
  }
  assert.deepEqual((await web.store.listDomains()).map((d) => d.name), ['example.org'], 'no admin action ran');
  const nav = (await user.get('/account/')).body;
  assert.doesNotMatch(nav, /href="\/admin\//, 'a user is shown no admin links');
  // The refusals are in the admin's view of security events.
  const admin = new WebClient(web);
  await admin.login(ADMIN);
  const events = (await admin.get('/admin/events')).body;
  assert.match(events, /admin page refused/);
  assert.match(events, new RegExp(USER.replace('.', '\\.')));
});

test('a form without the session token, with another one, or from another origin is refused with 403', async (t) => {
  const web = await startWebServer(t);
  const admin = new WebClient(web);
  await admin.login(ADMIN);
  const other = new WebClient(web);
  await other.login(ADMIN);
  const csrf = await admin.csrf();
  const attempts: [string, Record<string, string>, Record<string, string>][] = [
    ['no token', { name: 'a.example' }, {}],
    ['empty token', { _csrf: '', name: 'b.example' }, {}],
    ['forged token', { _csrf: csrf.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')), name: 'c.example' }, {}],
    ["another session's token", { _csrf: await other.csrf(), name: 'd.example' }, {}],
    ['another origin', { _csrf: csrf, name: 'e.example' }, { Origin: 'https://evil.example' }],
    ['another port', { _csrf: csrf, name: 'f.example' }, { Origin: 'https://localhost:8443' }],
    ['a cross-site fetch without Origin', { _csrf: csrf, name: 'g.example' }, { Origin: '', 'Sec-Fetch-Site': 'cross-site' }],
  ];
  for (const [what, fields, headers] of attempts) {
    const reply = await admin.post('/admin/domains', fields, headers);
    assert.equal(reply.status, 403, what);
  }
  assert.deepEqual((await web.store.listDomains()).map((d) => d.name), ['example.org']);
  const ok = await admin.post('/admin/domains', { _csrf: csrf, name: 'h.example' });
  assert.equal(ok.status, 303);
  assert.deepEqual((await web.store.listDomains()).map((d) => d.name).sort(), ['example.org', 'h.example']);
  assert.match((await admin.get('/admin/events')).body, /web form from elsewhere/);
  // The login form is guarded too: a post without its cookie's token logs nobody in.
  const stranger = new WebClient(web);
  const forged = await stranger.post('/account/login', { _csrf: 'x'.repeat(43), username: ADMIN, password: 'correct horse battery' });
  assert.equal(forged.status, 403);
  assert.equal(stranger.cookies.has('__Host-mailfold-session'), false);
});

test('sessions: secure cookies, a new id at each login, logout and a password change end them', async (t) => {
  const web = await startWebServer(t);
  const first = new WebClient(web);
  const reply = await first.login(USER);
  const cookie = String(reply.headers['set-cookie']);
  assert.match(cookie, /^__Host-mailfold-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Strict$/);
  const page = await first.get('/account/');
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  assert.doesNotMatch(page.body, /<script>|style=/, 'no inline script or style');
  assert.equal(page.headers['x-frame-options'], 'DENY');

  const second = new WebClient(web);
  await second.login(USER);
  assert.notEqual(first.cookies.get('__Host-mailfold-session'), second.cookies.get('__Host-mailfold-session'));
  // A password change ends the account's other sessions, not the one that made it.
  const changed = await first.post('/account/password', { _csrf: await first.csrf(), current: 'correct horse battery', password: 'a brand new passphrase', repeat: 'a brand new passphrase' });
  assert.equal(changed.status, 303);
  assert.match((await first.get('/account/password')).body, /Your password was changed/);
  assert.equal((await second.get('/account/')).status, 303, 'the other session ended');
  // A wrong current password changes nothing.
  const wrong = await first.post('/account/password', { _csrf: await first.csrf(), current: 'not the password', password: 'another new passphrase', repeat: 'another new passphrase' });
  assert.equal(wrong.status, 303);
  assert.match((await first.get('/account/password')).body, /The current password is wrong/);

  const stolen = first.cookies.get('__Host-mailfold-session')!;
  const out = await first.post('/account/logout', { _csrf: await first.csrf() });
  assert.equal(out.status, 303);
  assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
  const replay = await fetchText(web.https, '/account/', { ca: web.ca, headers: { Cookie: `__Host-mailfold-session=${stolen}` } });
  assert.equal(replay.status, 303, 'a session id is worthless after logout');
  const again = new WebClient(web);
  assert.equal((await again.login(USER, 'a brand new passphrase')).status, 303);
});

test('web logins are throttled like IMAP logins, and the refusals are recorded as security events', async (t) => {
  const web = await startWebServer(t, (c) => (c.auth.throttle_ip_max_failures = 2));
  const guesser = new WebClient(web);
  assert.equal((await guesser.login(USER, 'wrong guess one')).status, 403);
  assert.equal((await guesser.login(USER, 'wrong guess two')).status, 403);
  const refused = await guesser.login(USER, 'correct horse battery');
  assert.equal(refused.status, 429);
  assert.match(refused.body, /Too many failed attempts/);
  assert.equal(guesser.cookies.has('__Host-mailfold-session'), false);
  // This address may not log in any more, so the admin page is out of reach: the ring it shows is read here.
  const seen = securityEvents.recent().filter((e) => e.service === 'web' && e.account === USER);
  assert.ok(seen.some((e) => e.kind === 'login-throttled'), JSON.stringify(seen));
  assert.ok(seen.filter((e) => e.kind === 'login-failed').length >= 2);
});

test('hostile input gets a 4xx and the server goes on serving', async (t) => {
  const web = await startWebServer(t);
  const admin = new WebClient(web);
  await admin.login(ADMIN);
  const csrf = await admin.csrf();
  const session = `__Host-mailfold-session=${admin.cookies.get('__Host-mailfold-session')}`;

  const huge = 'name=' + 'a'.repeat(2 * 1024 * 1024);
  const big = await rawHttps(web, `POST /admin/domains HTTP/1.1\r\nHost: localhost\r\nOrigin: https://localhost\r\nCookie: ${session}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${huge.length}\r\n\r\n${huge}`);
  assert.match(big, /^HTTP\/1\.1 413 /);

  const fields = Array.from({ length: 200 }, (_, i) => `f${i}=1`).join('&');
  assert.equal((await admin.post('/admin/domains', { _csrf: csrf }, {})).status, 303);
  const many = await rawHttps(web, `POST /admin/domains HTTP/1.1\r\nHost: localhost\r\nCookie: ${session}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${fields.length}\r\nConnection: close\r\n\r\n${fields}`);
  assert.match(many, /^HTTP\/1\.1 400 /);
  const json = await admin.post('/admin/domains', { _csrf: csrf }, { 'Content-Type': 'application/json' });
  assert.equal(json.status, 415);
  const badEncoding = await rawHttps(web, `POST /admin/domains HTTP/1.1\r\nHost: localhost\r\nCookie: ${session}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 22\r\nConnection: close\r\n\r\n_csrf=%ZZ&name=%E0%A4%`);
  assert.match(badEncoding, /^HTTP\/1\.1 403 /);

  for (const cookie of ['__Host-mailfold-session=' + 'A'.repeat(43), '__Host-mailfold-session=../../etc', '__Host-mailfold-session', '=;=;;', 'x'.repeat(6000), '__Host-mailfold-session=\u00ff\u00fe']) {
    const reply = await fetchText(web.https, '/admin/', { ca: web.ca, headers: { Cookie: cookie } });
    assert.equal(reply.status, 303, cookie.slice(0, 40));
  }
  for (const path of ['/account/static/../../package.json', '/account/static/..%2f..%2fpackage.json', '/account/static/%2e%2e/%2e%2e/package.json', '/account/static/web.css%00', '/account/static/constructor', '/account/static/__proto__', '/account/static/', '/account/static/web.css/..']) {
    const reply = await fetchText(web.https, path, { ca: web.ca });
    assert.ok(reply.status >= 400 && reply.status < 500, `${path}: ${reply.status}`);
    assert.doesNotMatch(reply.body, /"name": "mailfold"/);
  }
  for (const path of [`/admin/account?address=${'a'.repeat(5000)}`, '/admin/account?address=%00', '/admin/queue/show?id=../../x', '/admin/dns?domain=<script>']) {
    const reply = await admin.get(path);
    assert.ok(reply.status < 500, `${path}: ${reply.status}`);
    assert.doesNotMatch(reply.body, /<script>/);
  }
  const login = await fetchText(web.https, '/account/login?next=https://evil.example/', { ca: web.ca });
  assert.match(login.body, /next=%2Faccount%2F"/, 'the login page never sends anyone elsewhere');

  assert.equal((await fetchText(web.https, '/healthz', { ca: web.ca })).status, 200);
  assert.equal((await admin.get('/admin/')).status, 200, 'the session still works');
});

test('static files carry their version and may be cached; pages may not', async (t) => {
  const web = await startWebServer(t);
  const client = new WebClient(web);
  const page = await client.get('/account/login');
  assert.equal(page.headers['cache-control'], 'no-store');
  const css = /href="(\/account\/static\/web\.css\?v=[0-9a-f]{12})"/.exec(page.body)?.[1];
  const js = /src="(\/account\/static\/web\.js\?v=[0-9a-f]{12})"/.exec(page.body)?.[1];
  assert.ok(css && js);
  const style = await client.get(css);
  assert.equal(style.status, 200);
  assert.equal(style.headers['cache-control'], 'public, max-age=31536000, immutable');
  assert.match(String(style.headers['content-type']), /^text\/css/);
  const again = await client.get(css, { 'If-None-Match': String(style.headers.etag) });
  assert.equal(again.status, 304);
  assert.match(String((await client.get(js)).headers['content-type']), /^text\/javascript/);
  assert.equal((await client.get('/account/static/web.css?v=old')).headers['cache-control'], 'no-cache');
});

test('plain HTTP serves the web interface to this machine only', async (t) => {
  const web = await startWebServer(t, (c) => (c.listeners.http = { enabled: true, address: '0.0.0.0', port: 0 }));
  const local = await fetchText(web.server.listeners.http!.port, '/account/login');
  assert.equal(local.status, 200);
  const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!external) return t.skip('this machine has no non-loopback IPv4 address');
  const remote = await new Promise<string>((resolve, reject) => {
    const socket = connect({ port: web.server.listeners.http!.port, host: external, localAddress: external });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write('GET /account/login HTTP/1.1\r\nHost: mail.example.org\r\nConnection: close\r\n\r\n');
  });
  assert.match(remote, /^HTTP\/1\.1 403 /);
  assert.match(remote, /served over HTTPS only/);
});

test('with web.enabled = false the pages are not there', async (t) => {
  const web = await startWebServer(t, (c) => (c.web.enabled = false));
  assert.equal((await fetchText(web.https, '/account/login', { ca: web.ca })).status, 404);
  assert.equal((await fetchText(web.https, '/admin/', { ca: web.ca })).status, 404);
  assert.equal((await fetchText(web.https, '/healthz', { ca: web.ca })).status, 200);
});

test('admin actions on the pages go through the AdminService, refusals shown on the page', async (t) => {
  const web = await startWebServer(t);
  const admin = new WebClient(web);
  await admin.login(ADMIN);
  const csrf = await admin.csrf();
  const post = (path: string, fields: Record<string, string>) => admin.post(path, { _csrf: csrf, ...fields }, { Referer: `https://localhost${path.replace(/\/(remove|retry|delete|dkim|password|quota|disable|enable|grant|revoke)$/, '')}` });

  assert.equal((await post('/admin/aliases', { address: '@example.org', targets: `${USER}, ${ADMIN}` })).status, 303);
  assert.deepEqual((await web.store.getAlias('@example.org'))?.targets, [USER, ADMIN]);
  assert.match((await admin.get('/admin/aliases')).body, /@example\.org <span class="muted">\(catch-all\)/);
  await post('/admin/aliases/remove', { address: '@example.org' });
  assert.equal(await web.store.getAlias('@example.org'), null);

  await post('/admin/domains/remove', { name: 'example.org' });
  assert.match((await admin.get('/admin/domains')).body, /class="flash error" role="alert">domain example\.org still has 2 account/);
  assert.ok(await web.store.getDomain('example.org'));

  await post('/admin/dns/dkim', { domain: 'example.org' });
  const dns = (await admin.get('/admin/dns?domain=example.org')).body;
  assert.match(dns, /mf-ed-\w+\._domainkey\.example\.org\./);
  assert.match(dns, /signs new mail/);

  await post('/admin/account/quota', { address: USER, quota_bytes: '2G', quota_messages: '100' });
  assert.deepEqual([(await web.store.getAccount(USER))?.quotaBytes, (await web.store.getAccount(USER))?.quotaMessages], [2 * 1024 ** 3, 100]);
  await post('/admin/account/quota', { address: USER, quota_bytes: 'lots' });
  assert.match((await admin.get(`/admin/account?address=${USER}`)).body, /not a size/);

  // The user's session ends when the account is disabled; a demoted admin loses the admin pages at once.
  const user = new WebClient(web);
  await user.login(USER);
  await post('/admin/account/grant', { address: USER });
  assert.equal((await user.get('/admin/domains')).status, 200);
  await post('/admin/account/revoke', { address: USER });
  assert.equal((await user.get('/admin/domains')).status, 403);
  await post('/admin/account/disable', { address: USER });
  assert.equal((await user.get('/account/')).status, 303);
  await post('/admin/account/enable', { address: USER });
  await post('/admin/account/disable', { address: ADMIN });
  assert.match((await admin.get(`/admin/account?address=${ADMIN}`)).body, /you cannot do this to your own account/);
  assert.equal((await web.store.getAccount(ADMIN))?.disabled, false);

  // A message for a remote address waits in the queue: it is listed, shown, retried and deleted.
  await new AdminService(web.store, adminSettings(web.config), { queue: web.server.queue }).deliver({ from: USER, to: ['someone@remote.invalid'] }, Buffer.from('Subject: hi\r\n\r\nhello\r\n'));
  const [entry] = await web.server.queue.list();
  assert.ok(entry);
  assert.match((await admin.get('/admin/queue')).body, new RegExp(entry.id));
  assert.match((await admin.get(`/admin/queue/show?id=${entry.id}`)).body, /someone@remote\.invalid/);
  assert.equal((await post('/admin/queue/retry', { id: entry.id })).status, 303);
  // A message being tried is removed when its attempt ends: the queue says when.
  const removed = new Promise<void>((resolve) => {
    const seen = (id: string, now: unknown) => {
      if (id !== entry.id || now !== null) return;
      web.server.queue.off('change', seen);
      resolve();
    };
    web.server.queue.on('change', seen);
  });
  await post('/admin/queue/delete', { id: entry.id });
  await removed;
  assert.deepEqual(await web.server.queue.list(), []);
  assert.equal((await admin.get('/admin/queue/show?id=00000000000000000')).status, 404);

  // A held message offers Release instead of Retry and Hold; released, it is tried at once.
  const held = await web.store.enqueue({ from: USER, createdAt: Date.now(), delayWarned: false, heldAt: Date.now(), recipients: [{ address: 'someone@remote.invalid', state: 'pending', attempts: 0, nextAttempt: 0 }] }, Buffer.from('Subject: held\r\n\r\nhello\r\n'));
  const heldPage = (await admin.get('/admin/queue')).body;
  assert.match(heldPage, new RegExp(`${held.id}</a>[^]*held since \\d{4}-[^]*>Release</button>`));
  assert.doesNotMatch(heldPage, /Retry now<\/button>|>Hold<\/button>/);
  await post('/admin/queue/release', { id: '../x' });
  assert.match((await admin.get('/admin/queue')).body, /not a queue id: &quot;..\/x&quot;/);
  const released = new Promise<void>((resolve) => {
    const seen = (id: string, now: QueueEntry | null) => {
      if (id !== held.id || now?.heldAt !== undefined) return;
      web.server.queue.off('change', seen);
      resolve();
    };
    web.server.queue.on('change', seen);
  });
  assert.equal((await post('/admin/queue/release', { id: held.id })).status, 303);
  await released;
  assert.match((await admin.get('/admin/queue')).body, new RegExp(`${held.id} is released`));
});
