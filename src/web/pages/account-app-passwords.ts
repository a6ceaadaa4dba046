import { dataTable, field, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/account/app-passwords';

export const appPasswordRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'user',
    async run(call) {
      const { session, account, ctx } = call;
      const list = await ctx.admin.appPasswordList({ address: account.address });
      const rows = list.map((p) => [
        p.name,
        p.createdAt.slice(0, 10),
        postForm(session, `${PATH}/revoke`, { button: 'Revoke', hidden: { id: p.id }, danger: true, inline: true, confirm: `Revoke ${p.name}? Clients using it stop working.`, label: `Revoke ${p.name}` }),
      ]);
      const body = html`<p>An app password lets one mail client (IMAP, POP3 or SMTP with PLAIN or LOGIN) log in without your main password.
It is shown once, when it is made; revoke it when the device is lost or gone. SCRAM logins use your main password only.</p>
${dataTable('Your app passwords', ['Name', 'Made', ''], rows)}
<h2>New app password</h2>
${postForm(session, PATH, { button: 'Make app password', body: field('Name (the device or program)', 'name', { required: true, hint: 'For example: phone, laptop.' }) })}`;
      return page(call, 'App passwords', body);
    },
  },
  {
    method: 'POST',
    path: PATH,
    role: 'user',
    async run({ ctx, form, account, session, req }) {
      const made = await ctx.admin.appPasswordAdd({ address: account.address, name: form.text('name') });
      ctx.log.info({ ip: req.remoteAddress, account: account.address, name: made.name }, 'app password made');
      return done(session, PATH, { kind: 'ok', text: `App password "${made.name}" (shown this once; type it with its hyphens, in any case):`, secret: made.password });
    },
  },
  {
    method: 'POST',
    path: `${PATH}/revoke`,
    role: 'user',
    async run({ ctx, form, account, session, req }) {
      await ctx.admin.appPasswordRemove({ address: account.address, id: form.text('id') });
      ctx.log.info({ ip: req.remoteAddress, account: account.address, id: form.text('id') }, 'app password revoked');
      return done(session, PATH, { kind: 'ok', text: 'The app password was revoked.' });
    },
  },
];
