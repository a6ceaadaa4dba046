import { formatBytes, formatQuota } from '../../cli/format.ts';
import { AdminError } from '../../admin/service.ts';
import { parseSize } from '../../config/index.ts';
import { dataTable, field, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/admin/accounts';

export const accountLink = (address: string) => html`<a href="/admin/account?address=${encodeURIComponent(address)}">${address}</a>`;

/** A quota typed in a form: empty for the default, a size like 2G, or a count. */
export function quotaInput(text: string, what: 'bytes' | 'messages'): number | undefined {
  const value = text.trim();
  if (value === '') return undefined;
  const n = what === 'bytes' ? parseSize(value) : /^\d{1,15}$/.test(value) ? Number(value) : null;
  if (n === null) throw new AdminError('invalid', `not a ${what === 'bytes' ? 'size (like 2G or 500M)' : 'whole number'}: ${value.slice(0, 40)}`);
  return n;
}

export const adminAccountsRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'admin',
    async run(call) {
      const { session, ctx } = call;
      const accounts = await ctx.admin.userList();
      const rows = accounts.map((a) => [
        accountLink(a.address),
        a.disabled ? 'disabled' : 'enabled',
        a.admin ? 'admin' : 'user',
        formatQuota(a.usedBytes, a.quotaBytes, formatBytes),
      ]);
      const body = html`${dataTable('Accounts', ['Address', 'Status', 'Role', 'Storage'], rows)}
<h2>Add an account</h2>
${postForm(session, PATH, {
  button: 'Add account',
  body: html`${field('Address', 'address', { type: 'email', required: true, autocomplete: 'off' })}
${field('Password', 'password', { type: 'password', required: true, autocomplete: 'new-password' })}
${field('Storage quota', 'quota_bytes', { hint: 'Like 2G; empty: the default; 0: no limit.' })}
<label><input type="checkbox" name="admin" value="1"> Administrator (may use these pages)</label>`,
})}`;
      return page(call, 'Accounts', body);
    },
  },
  {
    method: 'POST',
    path: PATH,
    role: 'admin',
    async run({ ctx, form, session }) {
      const made = await ctx.admin.userAdd({
        address: form.text('address'),
        password: form.text('password'),
        quotaBytes: quotaInput(form.text('quota_bytes'), 'bytes'),
        admin: form.text('admin') === '1',
      });
      return done(session, PATH, { kind: 'ok', text: `Added ${made.admin ? 'administrator ' : ''}${made.address}.` });
    },
  },
];
