import { formatBytes } from '../../cli/format.ts';
import { AdminError } from '../../admin/service.ts';
import { normalizeAddress } from '../../delivery/address.ts';
import { facts, field, postForm } from '../components.ts';
import type { PageCall, WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';
import { usage } from './account-overview.ts';
import { quotaInput } from './admin-accounts.ts';

const PATH = '/admin/account';
const detail = (address: string) => `${PATH}?address=${encodeURIComponent(address)}`;

/** The account a form names; an admin cannot lock themselves out from here. */
function target(call: PageCall, action: string): string {
  const address = call.form.text('address');
  if (normalizeAddress(address) === call.account.address && ['disable', 'revoke'].includes(action)) {
    throw new AdminError('invalid', 'you cannot do this to your own account here: use another admin account or the CLI');
  }
  return address;
}

/** One POST per action, each through the AdminService; the account's web sessions end when its access changes. */
const actions: Record<string, (call: PageCall) => Promise<string>> = {
  async password(call) {
    const view = await call.ctx.admin.userPasswd({ address: target(call, 'password'), password: call.form.text('password') });
    await endSessions(call, view.address);
    return `New password set for ${view.address}; its web sessions ended.`;
  },
  async quota(call) {
    const bytes = quotaInput(call.form.text('quota_bytes'), 'bytes');
    const messages = quotaInput(call.form.text('quota_messages'), 'messages');
    const view = await call.ctx.admin.userQuota({ address: target(call, 'quota'), ...(bytes !== undefined ? { bytes } : {}), ...(messages !== undefined ? { messages } : {}) });
    return `Quota of ${view.address} saved.`;
  },
  async disable(call) {
    const view = await call.ctx.admin.userDisable({ address: target(call, 'disable') });
    await endSessions(call, view.address);
    return `${view.address} is disabled: no logins, no mail.`;
  },
  async enable(call) {
    const view = await call.ctx.admin.userEnable({ address: target(call, 'enable') });
    return `${view.address} is enabled.`;
  },
  async grant(call) {
    const view = await call.ctx.admin.userAdmin({ address: target(call, 'grant'), admin: true });
    return `${view.address} is now an administrator.`;
  },
  async revoke(call) {
    const view = await call.ctx.admin.userAdmin({ address: target(call, 'revoke'), admin: false });
    return `${view.address} is no longer an administrator.`;
  },
};

async function endSessions(call: PageCall, address: string): Promise<void> {
  const account = await call.ctx.store.getAccount(address);
  if (account) call.ctx.sessions.endAccount(account.id);
}

export const adminAccountRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'admin',
    async run(call) {
      const { session, ctx } = call;
      const a = await ctx.admin.userShow({ address: call.req.url.searchParams.get('address') ?? '' });
      const hidden = { address: a.address };
      const body = html`${facts([
        ['Status', a.disabled ? 'disabled' : 'enabled'],
        ['Role', a.admin ? 'administrator' : 'user'],
        ['Storage', usage(a.usedBytes, a.quotaBytes, formatBytes, 'storage used')],
        ['Messages', usage(a.usedMessages, a.quotaMessages, String, 'messages stored')],
        ['Folders', a.mailboxes],
        ['Created', a.createdAt],
        ['Logs in with', a.mechanisms.join(', ')],
      ])}
<h2>Reset the password</h2>
${postForm(session, `${PATH}/password`, { button: 'Set password', hidden, body: field('New password', 'password', { type: 'password', required: true, autocomplete: 'new-password' }) })}
<h2>Quota</h2>
${postForm(session, `${PATH}/quota`, {
  button: 'Save quota',
  hidden,
  body: html`${field('Storage', 'quota_bytes', { value: String(a.quotaBytes), hint: 'Bytes, or like 2G; 0: no limit.' })}${field('Messages', 'quota_messages', { value: String(a.quotaMessages), hint: '0: no limit.' })}`,
})}
<h2>Access</h2>
<p>${a.disabled
        ? postForm(session, `${PATH}/enable`, { button: 'Enable', hidden, inline: true })
        : postForm(session, `${PATH}/disable`, { button: 'Disable', hidden, inline: true, danger: true, confirm: `Disable ${a.address}?` })}
${a.admin
        ? postForm(session, `${PATH}/revoke`, { button: 'Take admin role', hidden, inline: true })
        : postForm(session, `${PATH}/grant`, { button: 'Make administrator', hidden, inline: true })}</p>
<p class="muted">Removing an account and its mail: <code>mailfold user remove ${a.address}</code>.</p>`;
      return page(call, a.address, body);
    },
  },
  ...Object.entries(actions).map(([name, action]): WebRoute => ({
    method: 'POST',
    path: `${PATH}/${name}`,
    role: 'admin',
    async run(call) {
      const text = await action(call);
      call.ctx.log.info({ ip: call.req.remoteAddress, account: call.account.address, action: name, target: call.form.text('address').slice(0, 320) }, 'web admin action');
      return done(call.session, detail(call.form.text('address')), { kind: 'ok', text });
    },
  })),
];
