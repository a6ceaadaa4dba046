import { html, type Html } from './html.ts';
import type { WebSession } from './session.ts';

/** The hidden field every form of a session carries (checked with the Origin on each POST). */
export const csrfField = (session: WebSession): Html => html`<input type="hidden" name="_csrf" value="${session.csrf}">`;

/** A form that posts to `action`; `confirm` asks first (with the script), `hidden` are fixed fields. */
export function postForm(
  session: WebSession,
  action: string,
  opts: { button: string; hidden?: Record<string, string>; confirm?: string; danger?: boolean; inline?: boolean; body?: Html; label?: string },
): Html {
  const hidden = Object.entries(opts.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return html`<form method="post" action="${action}"${opts.inline ? html` class="inline"` : ''}${opts.confirm ? html` data-confirm="${opts.confirm}"` : ''}>${csrfField(session)}${hidden}${opts.body ?? ''}<button type="submit"${opts.danger ? html` class="danger"` : ''}${opts.label ? html` aria-label="${opts.label}"` : ''}>${opts.button}</button></form>`;
}

let fieldIds = 0;

/** A labelled input. */
export function field(label: string, name: string, opts: { type?: string; value?: string; required?: boolean; autocomplete?: string; hint?: string } = {}): Html {
  const id = `f-${name}-${++fieldIds}`;
  const hint = opts.hint ? html`<span class="muted" id="${id}-hint">${opts.hint}</span>` : '';
  return html`<label for="${id}">${label}</label>${hint}<input id="${id}" name="${name}" type="${opts.type ?? 'text'}"${opts.value !== undefined ? html` value="${opts.value}"` : ''}${opts.required ? html` required` : ''}${opts.autocomplete ? html` autocomplete="${opts.autocomplete}"` : ''}${opts.hint ? html` aria-describedby="${id}-hint"` : ''}>`;
}

/** A table with a header row; cells are escaped unless they are Html. */
export function dataTable(caption: string, headers: string[], rows: unknown[][]): Html {
  if (rows.length === 0) return html`<p class="muted">None yet.</p>`;
  return html`<table><caption class="muted">${caption}</caption><thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows.map((r) => html`<tr>${r.map((c) => html`<td>${c}</td>`)}</tr>`)}</tbody></table>`;
}

/** A definition list of name and value pairs. */
export const facts = (pairs: [string, unknown][]): Html => html`<dl>${pairs.map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
