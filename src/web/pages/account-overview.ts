import { formatBytes } from '../../cli/format.ts';
import { dataTable, facts } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';

/** How much of a quota is used: a meter when there is a limit. */
export function usage(used: number, limit: number, unit: (n: number) => string, label: string) {
  if (limit === 0) return html`${unit(used)} <span class="muted">(no limit)</span>`;
  return html`${unit(used)} of ${unit(limit)} <meter min="0" max="${limit}" value="${Math.min(used, limit)}" aria-label="${label}">${Math.round((used / limit) * 100)}%</meter>`;
}

export const accountOverviewRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: '/account/',
    role: 'user',
    async run(call) {
      const { admin } = call.ctx;
      const me = await admin.userShow({ address: call.account.address });
      const boxes = await admin.mailboxList({ address: me.address });
      const body = html`${facts([
        ['Address', me.address],
        ['Storage', usage(me.usedBytes, me.quotaBytes, formatBytes, 'storage used')],
        ['Messages', usage(me.usedMessages, me.quotaMessages, String, 'messages stored')],
        ['Role', me.admin ? 'administrator' : 'user'],
      ])}
<h2>Folders</h2>
${dataTable('Your folders', ['Folder', 'Messages', 'Unread', 'Size'], boxes.map((b) => [b.name, b.messages, b.unseen, formatBytes(b.size)]))}
<p class="muted">Vacation replies, filter rules and spam lists are not here yet: they come with Sieve and the spam filter.</p>`;
      return page(call, 'Your account', body);
    },
  },
];
