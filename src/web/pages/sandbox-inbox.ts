import type { Reply } from '../../http/routes.ts';
import type { SandboxInbox } from '../../sandbox/inbox.ts';
import { QueryError, parseQuery, MAX_QUERY_LENGTH } from '../../sandbox/query.ts';
import { html } from '../html.ts';
import { sandboxPage } from '../sandbox/layout.ts';
import type { WebRequest } from '../request.ts';

const PAGE_SIZE = 200;

/** The list of captured messages, newest first, with a search box; it updates itself as mail arrives. */
export async function sandboxInboxPage(inbox: SandboxInbox, req: WebRequest, headers: Record<string, string> = {}): Promise<Reply> {
  const q = req.url.searchParams.get('q') ?? '';
  let terms;
  try {
    terms = parseQuery(q);
  } catch (err) {
    if (!(err instanceof QueryError)) throw err;
    return sandboxPage('Captured mail', html`<p class="flash error" role="alert">${err.message}</p><p><a href="/sandbox/">Back to the inbox</a></p>`, 400);
  }
  const messages = await inbox.list(terms, PAGE_SIZE);
  const rows = messages.map(
    (m) => html`<tr data-id="${m.id}"><td>${m.from}</td><td class="wide">${(m.recipients.length ? m.recipients : m.to).join(', ')}</td><td><a href="/sandbox/message?id=${m.id}">${m.subject || '(no subject)'}</a></td><td><time datetime="${m.receivedAt}">${m.receivedAt.replace('T', ' ').slice(0, 19)}</time></td><td class="wide">${m.size} B</td></tr>`,
  );
  const body = html`<form class="search" method="get" action="/sandbox/" role="search">
<div><label for="q">Search</label><input id="q" name="q" type="search" value="${q}" maxlength="${MAX_QUERY_LENGTH}" placeholder="from:alice subject:welcome"></div>
<button type="submit">Search</button>${q ? html` <a href="/sandbox/">Show all</a>` : ''}</form>
<p><span id="message-count">${messages.length}</span> ${q ? 'matching ' : ''}messages. <span id="live-status" role="status" aria-live="polite"></span></p>
<table data-live${q ? html` data-filtered` : ''}${messages.length === 0 ? html` hidden` : ''}><caption class="muted">Newest first</caption>
<thead><tr><th scope="col">From</th><th scope="col" class="wide">To</th><th scope="col">Subject</th><th scope="col">Captured</th><th scope="col" class="wide">Size</th></tr></thead>
<tbody>${rows}</tbody></table>
${messages.length === 0 ? html`<p class="muted">No messages yet: send some to the submission port with any login.</p>` : ''}
<form method="post" action="/sandbox/delete" data-confirm="Delete every captured message?"><button type="submit" class="danger">Delete all messages</button></form>
<p class="muted">For test suites: the JSON API under <code>/sandbox/api/</code> (docs/web.md).</p>`;
  return sandboxPage('Captured mail', body, 200, headers);
}
