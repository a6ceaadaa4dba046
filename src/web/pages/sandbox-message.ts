import type { Reply } from '../../http/routes.ts';
import type { SandboxInbox } from '../../sandbox/inbox.ts';
import type { SandboxMessage } from '../../sandbox/message.ts';
import { dataTable, facts } from '../components.ts';
import { html, type Html } from '../html.ts';
import { sandboxPage } from '../sandbox/layout.ts';
import type { WebRequest } from '../request.ts';
import { messageId } from '../sandbox/json.ts';

/** The raw source shown inline; the whole of it is one link away. */
const RAW_SHOWN = 64 * 1024;

/**
 * The preview document: the message's HTML under a policy of its own. No script, no form,
 * no network: images only from data: and cid: (inlined), so remote images never load (and
 * the sender never learns the message was opened). The iframe's `sandbox` attribute says
 * the same from the outside, and the CSP's `sandbox` keeps it so when opened on its own.
 */
const PREVIEW_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "sandbox; default-src 'none'; img-src data: cid:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'",
  'X-Frame-Options': 'SAMEORIGIN',
  'Referrer-Policy': 'no-referrer',
};

export async function sandboxPreview(inbox: SandboxInbox, req: WebRequest): Promise<Reply> {
  const id = messageId(req.url.searchParams.get('id'));
  const message = id === null ? null : await inbox.get(id);
  if (!message) return { status: 404, type: 'text/plain; charset=utf-8', body: 'no such message\n' };
  return { status: 200, type: 'text/html; charset=utf-8', body: message.html || '<p>This message has no HTML part.</p>', headers: PREVIEW_HEADERS };
}

function checks(m: SandboxMessage): Html {
  const report = m.htmlCheck;
  if (!report) return html`<p class="muted">No HTML part to check.</p>`;
  const summary = html`<p>${report.links} links, ${report.images} images, <strong id="remote-blocked">${report.remoteImages} remote ${report.remoteImages === 1 ? 'image' : 'images'} blocked</strong> in the preview.</p>`;
  if (report.problems.length === 0) return html`${summary}<p>No problems found.</p>`;
  return html`${summary}<ul class="problems">${report.problems.map((p) => html`<li><strong>${p.kind}</strong>: ${p.detail}</li>`)}</ul>`;
}

function verdicts(m: SandboxMessage): Html {
  if (m.spam.length === 0 && m.authentication.length === 0) return html`<p class="muted">No spam score or authentication results in this message.</p>`;
  return facts([...m.spam.map((h): [string, unknown] => [h.name, h.value]), ...m.authentication.map((a): [string, unknown] => ['Authentication-Results', a])]);
}

export async function sandboxMessagePage(inbox: SandboxInbox, req: WebRequest): Promise<Reply> {
  const id = messageId(req.url.searchParams.get('id'));
  const m = id === null ? null : await inbox.get(id);
  if (!m) return sandboxPage('Not found', html`<p>No such message.</p><p><a href="/sandbox/">Back to the inbox</a></p>`, 404);
  const raw = (await inbox.raw(m.id)) ?? Buffer.alloc(0);
  const attachments = m.attachments.map((a) => [
    html`<a href="/sandbox/api/messages/${m.id}/attachments/${a.index}" download>${a.filename}</a>`,
    a.contentType,
    `${a.size} B`,
  ]);
  const body = html`${facts([
    ['From', m.from],
    ['To', m.to.join(', ')],
    ['Envelope recipients', m.recipients.join(', ')],
    ['Subject', m.subject || '(no subject)'],
    ['Date', m.date],
    ['Size', `${m.size} B`],
  ])}
<form method="post" action="/sandbox/delete?id=${m.id}" class="inline"><button type="submit" class="danger">Delete this message</button></form>
<h2 id="preview-heading">HTML preview</h2>
${m.html ? html`<iframe class="preview" sandbox="" referrerpolicy="no-referrer" src="/sandbox/preview?id=${m.id}" title="HTML preview of the message"></iframe>` : html`<p class="muted">This message has no HTML part.</p>`}
<h2>HTML and link check</h2>${checks(m)}
<h2>Spam score and authentication</h2>${verdicts(m)}
<h2>Plain text</h2>${m.text ? html`<pre class="source" tabindex="0" aria-label="Plain text">${m.text}</pre>` : html`<p class="muted">This message has no plain text part.</p>`}
<h2>Attachments</h2>${attachments.length ? dataTable('Attachments', ['File', 'Type', 'Size'], attachments) : html`<p class="muted">No attachments.</p>`}
<h2>Headers</h2>${dataTable('Header fields in order', ['Name', 'Value'], m.headers.map((h) => [h.name, h.value]))}
<h2>Raw source</h2><p><a href="/sandbox/api/messages/${m.id}/raw">Download the raw message</a></p>
<pre class="source" tabindex="0" aria-label="Raw source">${raw.subarray(0, RAW_SHOWN).toString('utf8')}${raw.length > RAW_SHOWN ? '\n[...]' : ''}</pre>`;
  return sandboxPage(m.subject || '(no subject)', body);
}
