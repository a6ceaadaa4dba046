import type { Reply } from '../../http/routes.ts';
import { assetUrl } from '../assets.ts';
import { html, type Html } from '../html.ts';
import { document } from '../layout.ts';
import { htmlReply } from '../reply.ts';

/** Every sandbox page says what it is at the top, so nobody takes it for a real mail server. */
export function sandboxPage(title: string, body: Html, status = 200, headers: Record<string, string> = {}): Reply {
  const nav = html`<header><a class="brand" href="/sandbox/">Mailfold sandbox</a>
<nav aria-label="Sandbox"><ul><li><a href="/sandbox/">Inbox</a></li></ul></nav></header>
<div class="sandbox-banner" role="note">Sandbox mode: any login is accepted and nothing is sent. Every message is captured here.</div>
<link rel="stylesheet" href="${assetUrl('sandbox.css')}">`;
  return htmlReply(document(title, html`${body}<script src="${assetUrl('sandbox.js')}" defer></script>`, nav), status, headers);
}
