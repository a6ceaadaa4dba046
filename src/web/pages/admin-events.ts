import { dataTable } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';

const KINDS = {
  'login-failed': 'wrong password or unknown account',
  'login-throttled': 'refused by the throttle',
  'login-disabled': 'login to a disabled account',
  'recipients-cut': 'cut for guessing recipients',
  'csrf-refused': 'web form from elsewhere',
  forbidden: 'admin page refused',
} as const;

export const adminEventRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: '/admin/events',
    role: 'admin',
    async run(call) {
      const events = await call.ctx.admin.securityEvents({ limit: 200 });
      const rows = events.map((e) => [new Date(e.at).toISOString().replace('T', ' ').slice(0, 19), KINDS[e.kind], e.service, e.ip, e.account ?? '', e.detail ?? '']);
      const body = html`<p>The last refused logins and web requests since the server started, newest first (the log has all of them).</p>
${dataTable('Security events', ['Time (UTC)', 'What', 'Service', 'Address', 'Account', 'Detail'], rows)}`;
      return page(call, 'Security events', body);
    },
  },
];
