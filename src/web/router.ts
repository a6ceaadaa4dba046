import { AdminError } from '../admin/service.ts';
import { securityEvents } from '../auth/security-events.ts';
import { HttpError, type Reply } from '../http/routes.ts';
import { isLoopback } from '../net/loopback.ts';
import { StoreError } from '../store/types.ts';
import { ASSET_PREFIX, serveAsset } from './assets.ts';
import type { PageCall, WebContext, WebRoute } from './context.ts';
import { Form, MAX_FORM_BYTES, readForm } from './form.ts';
import { sameOrigin, tokenMatches } from './guard.ts';
import { html } from './html.ts';
import { document } from './layout.ts';
import { SESSION_COOKIE, readCookie } from './cookies.ts';
import { htmlReply, redirect, done } from './reply.ts';
import { loginRoutes } from './pages/login.ts';
import { accountOverviewRoutes } from './pages/account-overview.ts';
import { accountPasswordRoutes } from './pages/account-password.ts';
import { appPasswordRoutes } from './pages/account-app-passwords.ts';
import { accountSetupRoutes } from './pages/account-setup.ts';
import { accountVacationRoutes } from './pages/account-vacation.ts';
import { accountFilterRoutes } from './pages/account-filters.ts';
import { accountSpamRoutes } from './pages/account-spam.ts';
import { adminStatusRoutes } from './pages/admin-status.ts';
import { adminDomainRoutes } from './pages/admin-domains.ts';
import { adminAccountsRoutes } from './pages/admin-accounts.ts';
import { adminAccountRoutes } from './pages/admin-account.ts';
import { adminAliasRoutes } from './pages/admin-aliases.ts';
import { adminQueueRoutes } from './pages/admin-queue.ts';
import { adminCertificateRoutes } from './pages/admin-certificate.ts';
import { adminDnsRoutes } from './pages/admin-dns.ts';
import { adminEventRoutes } from './pages/admin-events.ts';
import type { WebRequest } from './request.ts';
import { sandboxHandler } from './sandbox/router.ts';

/** Every page's routes; the paths are exact, parameters travel in the query or the form. */
export const ROUTES: WebRoute[] = [
  ...accountOverviewRoutes, ...accountPasswordRoutes, ...appPasswordRoutes, ...accountSetupRoutes,
  ...accountVacationRoutes, ...accountFilterRoutes, ...accountSpamRoutes,
  ...adminStatusRoutes, ...adminDomainRoutes, ...adminAccountsRoutes, ...adminAccountRoutes, ...adminAliasRoutes,
  ...adminQueueRoutes, ...adminCertificateRoutes, ...adminDnsRoutes, ...adminEventRoutes,
];

/** Whether a path belongs to the web interface. */
export const isWebPath = (path: string): boolean => /^\/(?:admin|account)(?:\/|$)/.test(path);

const plain = (status: number, text: string): Reply => ({ status, type: 'text/plain; charset=utf-8', body: text + '\n' });

/** Where the login page sends the browser back to: one of our own pages, never another site. */
export const loginUrl = (req: WebRequest): string => {
  const next = req.method === 'GET' ? req.url.pathname + req.url.search : '/account/';
  return `/account/login?next=${encodeURIComponent(next)}`;
};

function refuse(ctx: WebContext, req: WebRequest, kind: 'csrf-refused' | 'forbidden', account: string, reason: string): Reply {
  ctx.log.warn({ ip: req.remoteAddress, account, reason, path: req.url.pathname }, 'web request refused');
  securityEvents.record({ kind, service: 'web', ip: req.remoteAddress, account, detail: `${reason}: ${req.method} ${req.url.pathname}` });
  const title = kind === 'forbidden' ? 'Not allowed' : 'Refused';
  const text = kind === 'forbidden' ? 'This page is for administrators.' : 'This form was not sent from this site, or it has expired: reload the page and try again.';
  return htmlReply(document(title, html`<p>${text}</p><p><a href="/account/">Back to your account</a></p>`), 403);
}

/**
 * The web interface: `/admin/` and `/account/`. Over HTTPS to anyone, over plain HTTP to
 * this machine only. A page needs a session (else: the login page), an admin page the
 * admin role (else 403), and a POST the session's CSRF token from our own origin (else 403).
 */
export function webHandler(ctx: WebContext): (req: WebRequest) => Promise<Reply> {
  const login = loginRoutes(ctx);
  const sandbox = ctx.sandbox ? sandboxHandler(ctx.sandbox, ctx.log) : null;
  return async (req) => {
    if (!req.secure && !isLoopback(req.remoteAddress)) return plain(403, 'the web interface is served over HTTPS only');
    const path = req.url.pathname;
    if (path.startsWith(ASSET_PREFIX)) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'method not allowed');
      return serveAsset(path, req.url.searchParams.get('v'), req.headers['if-none-match']) ?? plain(404, 'not found');
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (path === '/sandbox' || path.startsWith('/sandbox/')) return sandbox ? sandbox(req, method) : plain(404, 'not found');
    if (ctx.sandboxOnly) return plain(404, 'not found');
    if (path === '/account/login' || path === '/account/logout') return login(req, method);
    if (path === '/admin' || path === '/account') return redirect(`${path}/`);
    const candidates = ROUTES.filter((r) => r.path === path);
    if (candidates.length === 0) return plain(404, 'not found');
    const route = candidates.find((r) => r.method === method);
    if (!route) return { ...plain(405, 'method not allowed'), headers: { Allow: candidates.map((r) => r.method).join(', ') } };

    const session = ctx.sessions.get(readCookie(req.headers.cookie, SESSION_COOKIE));
    if (!session) return redirect(loginUrl(req));
    const account = await ctx.store.getAccountById(session.accountId);
    if (!account || account.disabled) {
      ctx.sessions.end(session.id);
      return redirect(loginUrl(req));
    }
    if (route.role === 'admin' && account.admin !== true) return refuse(ctx, req, 'forbidden', account.address, 'not an admin');
    let form = new Form('');
    if (method === 'POST') {
      if (!sameOrigin(req)) return refuse(ctx, req, 'csrf-refused', account.address, 'cross-origin form');
      form = await readForm(req.headers['content-type'], () => req.body(MAX_FORM_BYTES));
      if (!tokenMatches(session.csrf, form.text('_csrf'))) return refuse(ctx, req, 'csrf-refused', account.address, 'bad CSRF token');
    }
    const call: PageCall = { ctx, req, session, account, form };
    try {
      return await route.run(call);
    } catch (err) {
      // A refusal of the AdminService (a bad address, a duplicate, a weak password) is told on the page it came from.
      if (!(err instanceof AdminError || err instanceof StoreError || err instanceof HttpError)) throw err;
      const reason = err.message.slice(0, 300);
      if (method === 'POST') {
        ctx.log.info({ ip: req.remoteAddress, account: account.address, path, reason }, 'web action refused');
        return done(session, backTo(req), { kind: 'error', text: reason });
      }
      // A page asked for something that is not there (an unknown account, a queue id).
      const missing = !(err instanceof HttpError) && err.code === 'not-found';
      return htmlReply(document(missing ? 'Not found' : 'Cannot show this', html`<p>${reason}</p><p><a href="${backTo(req)}">Back</a></p>`), missing ? 404 : 400);
    }
  };
}

/** The page a form was on (its Referer, when it is ours), for the message of a refused action. */
function backTo(req: WebRequest): string {
  const referer = req.headers.referer;
  if (referer) {
    try {
      const url = new URL(referer);
      if (url.host === req.headers.host && isWebPath(url.pathname)) return url.pathname + url.search;
    } catch {
      // not a URL: fall through
    }
  }
  return req.url.pathname.startsWith('/admin/') ? '/admin/' : '/account/';
}
