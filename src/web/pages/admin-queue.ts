import type { AdminService } from '../../admin/service.ts';
import { formatBytes } from '../../cli/format.ts';
import type { QueueEntry } from '../../store/types.ts';
import { dataTable, facts, postForm } from '../components.ts';
import type { WebRoute, PageCall } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/admin/queue';
const when = (ms: number | undefined) => (ms === undefined ? '' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19));
const entryLink = (id: string) => html`<a href="${PATH}/show?id=${encodeURIComponent(id)}">${id}</a>`;

/** When it is tried next: its earliest pending recipient, or never while it is held. */
function nextAttempt(e: QueueEntry): string {
  if (e.heldAt !== undefined) return `held since ${when(e.heldAt)}`;
  const pending = e.recipients.filter((r) => r.state === 'pending');
  return pending.length ? when(Math.min(...pending.map((r) => r.nextAttempt))) : '';
}

/** A held message is released (and tried at once) rather than retried. */
function buttons(call: PageCall, e: QueueEntry) {
  const hidden = { id: e.id };
  const held = e.heldAt !== undefined;
  return html`${held ? '' : postForm(call.session, `${PATH}/retry`, { button: 'Retry now', hidden, inline: true, label: `Retry ${e.id}` })}
${held
  ? postForm(call.session, `${PATH}/release`, { button: 'Release', hidden, inline: true, label: `Release ${e.id}` })
  : postForm(call.session, `${PATH}/hold`, { button: 'Hold', hidden, inline: true, label: `Hold ${e.id}` })}
${postForm(call.session, `${PATH}/delete`, { button: 'Delete', hidden, inline: true, danger: true, confirm: 'Delete this message without telling its sender?', label: `Delete ${e.id}` })}`;
}

/** POST hold or release: one message, by the id in the form. */
function holdRoute(action: 'hold' | 'release', change: (admin: AdminService, id: string) => Promise<unknown>, outcome: string): WebRoute {
  return {
    method: 'POST',
    path: `${PATH}/${action}`,
    role: 'admin',
    async run({ ctx, form, session }) {
      const id = form.text('id');
      await change(ctx.admin, id);
      return done(session, PATH, { kind: 'ok', text: `${id} ${outcome}.` });
    },
  };
}

export const adminQueueRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'admin',
    async run(call) {
      const entries = await call.ctx.admin.queueList();
      const rows = entries.map((e) => {
        const pending = e.recipients.filter((r) => r.state === 'pending');
        return [entryLink(e.id), e.from || '<>', `${pending.length} of ${e.recipients.length} pending`, nextAttempt(e), buttons(call, e)];
      });
      const body = html`${dataTable('Outbound messages', ['Id', 'From', 'Recipients', 'Next attempt', ''], rows)}
<p class="muted">Hold keeps a message from being tried, and from expiring, until it is released; released, it is tried at once and expires by its arrival time. Delete removes it without a report to its sender.</p>`;
      return page(call, 'Outbound queue', body);
    },
  },
  {
    method: 'GET',
    path: `${PATH}/show`,
    role: 'admin',
    async run(call) {
      const e = await call.ctx.admin.queueShow({ id: call.req.url.searchParams.get('id') ?? '' });
      const rows = e.recipients.map((r) => [r.address, r.state, r.attempts, when(r.nextAttempt), r.lastResult ?? '']);
      const body = html`${facts([['From', e.from || '<> (a bounce)'], ['Size', formatBytes(e.size)], ['Queued', when(e.createdAt)], ['Next attempt', nextAttempt(e)]])}
${dataTable('Recipients', ['Recipient', 'State', 'Attempts', 'Next attempt', 'Last answer'], rows)}
<p>${buttons(call, e)}</p>`;
      return page(call, `Queued message ${e.id}`, body);
    },
  },
  {
    method: 'POST',
    path: `${PATH}/retry`,
    role: 'admin',
    async run({ ctx, form, session }) {
      const e = await ctx.admin.queueRetry({ id: form.text('id') });
      return done(session, PATH, { kind: 'ok', text: `${e.id}: its pending recipients are due now.` });
    },
  },
  holdRoute('hold', (admin, id) => admin.queueHold({ id }), 'is held: it is not tried until released'),
  holdRoute('release', (admin, id) => admin.queueRelease({ id }), 'is released: its pending recipients are due now'),
  {
    method: 'POST',
    path: `${PATH}/delete`,
    role: 'admin',
    async run({ ctx, form, session }) {
      const { removed } = await ctx.admin.queueDelete({ id: form.text('id') });
      return done(session, PATH, { kind: 'ok', text: `Deleted ${removed}.` });
    },
  },
];
