import type { Reply } from '../http/routes.ts';
import { assetUrl } from './assets.ts';
import { csrfField } from './components.ts';
import type { PageCall } from './context.ts';
import { html, type Html } from './html.ts';
import { htmlReply } from './reply.ts';

const ACCOUNT_NAV: [string, string][] = [
  ['/account/', 'Overview'],
  ['/account/password', 'Password'],
  ['/account/app-passwords', 'App passwords'],
  ['/account/vacation', 'Vacation'],
  ['/account/filters', 'Filters'],
  ['/account/spam', 'Spam'],
  ['/account/setup', 'Set up a client'],
];

const ADMIN_NAV: [string, string][] = [
  ['/admin/', 'Status'],
  ['/admin/domains', 'Domains'],
  ['/admin/accounts', 'Accounts'],
  ['/admin/aliases', 'Aliases'],
  ['/admin/queue', 'Queue'],
  ['/admin/certificate', 'Certificate'],
  ['/admin/dns', 'DNS and DKIM'],
  ['/admin/events', 'Security events'],
];

/** The document around every page: head, navigation, and the message of the last action. */
export function document(title: string, body: Html, nav: Html = html``): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} &middot; Mailfold</title><link rel="icon" href="data:,"><link rel="stylesheet" href="${assetUrl('web.css')}"><script src="${assetUrl('web.js')}" defer></script></head>
<body>${nav}<main id="main"><h1>${title}</h1>${body}</main></body></html>`;
}

const links = (items: [string, string][], current: string) =>
  items.map(([href, label]) => html`<li><a href="${href}"${href === current ? html` aria-current="page"` : ''}>${label}</a></li>`);

/** A page of a logged-in account; shows (and forgets) the session's flash message. */
export function page(call: PageCall, title: string, body: Html, status = 200): Reply {
  const { session, account, req } = call;
  const flash = session.flash;
  delete session.flash;
  const current = req.url.pathname;
  const nav = html`<header><a class="brand" href="/account/">Mailfold</a>
<nav aria-label="Account"><ul>${links(ACCOUNT_NAV, current)}</ul></nav>
${account.admin ? html`<nav aria-label="Administration"><ul>${links(ADMIN_NAV, current)}</ul></nav>` : ''}
<form method="post" action="/account/logout">${csrfField(session)}<button type="submit" class="secondary">Log out ${account.address}</button></form></header>`;
  const message = flash
    ? html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">${flash.text}${
        flash.secret ? html`<code class="secret" id="secret">${flash.secret}</code><button type="button" class="secondary" data-copy="secret" hidden>Copy</button>` : ''
      }</div>`
    : '';
  return htmlReply(document(title, html`${message}${body}`, nav), status);
}
