import { randomBytes } from 'node:crypto';
import { checkLogin } from '../../auth/login.ts';
import type { Reply } from '../../http/routes.ts';
import { field } from '../components.ts';
import type { WebContext } from '../context.ts';
import { clearCookie, LOGIN_COOKIE, readCookie, SESSION_COOKIE, setCookie } from '../cookies.ts';
import { readForm } from '../form.ts';
import { sameOrigin, tokenMatches } from '../guard.ts';
import { html } from '../html.ts';
import { document } from '../layout.ts';
import { htmlReply, redirect } from '../reply.ts';
import type { WebRequest } from '../request.ts';

/** A login form is an address and a password: a few hundred bytes. */
const MAX_LOGIN_FORM = 4096;
const LOGIN_TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** Where to go after logging in: a page of ours named by `next`, else the account page. */
function nextPage(input: string | null): string {
  if (input && /^\/(?:admin|account)\/[A-Za-z0-9/_.?=&%@+-]*$/.test(input) && !input.includes('//') && !input.startsWith('/account/log')) return input;
  return '/account/';
}

function loginPage(token: string, next: string, status = 200, error?: string): Reply {
  const body = html`<div class="login">
${error ? html`<div class="flash error" role="alert">${error}</div>` : ''}
<form method="post" action="/account/login?next=${encodeURIComponent(next)}">
<input type="hidden" name="_csrf" value="${token}">
${field('Email address', 'username', { type: 'email', required: true, autocomplete: 'username' })}
${field('Password', 'password', { type: 'password', required: true, autocomplete: 'current-password', hint: 'Your account password, or one of its app passwords.' })}
<button type="submit">Log in</button></form></div>`;
  return htmlReply(document('Log in', body), status, { 'Set-Cookie': setCookie(LOGIN_COOKIE, token) });
}

/** GET and POST /account/login, and POST /account/logout. */
export function loginRoutes(ctx: WebContext): (req: WebRequest, method: string) => Promise<Reply> {
  return async (req, method) => {
    const path = req.url.pathname;
    const session = ctx.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (path === '/account/logout') {
      if (method !== 'POST') return { status: 405, type: 'text/plain; charset=utf-8', body: 'method not allowed\n', headers: { Allow: 'POST' } };
      if (session && sameOrigin(req)) {
        const form = await readForm(req.headers['content-type'], () => req.body(MAX_LOGIN_FORM));
        if (tokenMatches(session.csrf, form.text('_csrf'))) ctx.sessions.end(session.id);
      }
      return redirect('/account/login', { 'Set-Cookie': clearCookie(SESSION_COOKIE) });
    }
    const next = nextPage(req.url.searchParams.get('next'));
    const cookieToken = readCookie(req.headers.cookie, LOGIN_COOKIE);
    const token = cookieToken && LOGIN_TOKEN.test(cookieToken) ? cookieToken : randomBytes(32).toString('base64url');
    if (method === 'GET') return session ? redirect(next) : loginPage(token, next);
    if (method !== 'POST') return { status: 405, type: 'text/plain; charset=utf-8', body: 'method not allowed\n', headers: { Allow: 'GET, POST' } };

    const form = await readForm(req.headers['content-type'], () => req.body(MAX_LOGIN_FORM));
    if (!sameOrigin(req) || !cookieToken || !tokenMatches(cookieToken, form.text('_csrf'))) {
      ctx.log.warn({ ip: req.remoteAddress, reason: 'bad login CSRF token' }, 'web login refused');
      return loginPage(token, next, 403, 'The login form expired: please try again.');
    }
    const username = form.text('username');
    const result = await checkLogin(ctx.store, ctx, { ip: req.remoteAddress, username, password: form.text('password'), service: 'web' });
    if (!result.ok) {
      ctx.log.info({ ip: req.remoteAddress, account: username.slice(0, 320), reason: result.reason }, 'web login failed');
      if (result.reason === 'throttled') {
        return loginPage(token, next, 429, `Too many failed attempts: try again in ${result.retryAfterSeconds} seconds.`);
      }
      return loginPage(token, next, 403, result.reason === 'disabled' ? 'This account is disabled.' : 'Wrong address or password.');
    }
    const created = ctx.sessions.create(result.account.id);
    ctx.log.info({ ip: req.remoteAddress, account: result.account.address, appPassword: result.appPassword }, 'web login');
    return redirect(next, { 'Set-Cookie': setCookie(SESSION_COOKIE, created.id) });
  };
}
