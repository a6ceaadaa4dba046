import { formatBytes, formatUptime } from '../../cli/format.ts';
import { dataTable, facts } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';

export const adminStatusRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: '/admin/',
    role: 'admin',
    async run(call) {
      const { admin, sessions } = call.ctx;
      const [status, queue] = await Promise.all([admin.status(), admin.queueList()]);
      const pending = queue.reduce((n, e) => n + e.recipients.filter((r) => r.state === 'pending').length, 0);
      const body = html`${facts([
        ['Version', status.version],
        ['Running for', html`${formatUptime(status.uptimeSeconds)} <span class="muted">(since ${status.startedAt})</span>`],
        ['Host name', status.hostname],
        ['Connections', `${status.connections} open`],
        ['Web sessions', sessions.size],
        ['Outbound queue', html`<a href="/admin/queue">${queue.length} messages, ${pending} recipients pending</a>`],
        ['Store', `${formatBytes(status.storeBytes)} in ${status.dataDir}`],
        ['Config file', status.configFile ?? '(none: defaults)'],
      ])}
<h2>Listeners</h2>
${dataTable('Bound listeners', ['Listener', 'Address'], Object.entries(status.listeners))}`;
      return page(call, 'Server status', body);
    },
  },
];
