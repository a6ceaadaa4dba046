import { dataTable, field, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/admin/aliases';

export const adminAliasRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'admin',
    async run(call) {
      const { session, ctx } = call;
      const aliases = await ctx.admin.aliasList();
      const rows = aliases.map((a) => [
        a.address.startsWith('@') ? html`${a.address} <span class="muted">(catch-all)</span>` : a.address,
        a.targets.join(', '),
        postForm(session, `${PATH}/remove`, { button: 'Remove', hidden: { address: a.address }, danger: true, inline: true, confirm: `Remove ${a.address}?`, label: `Remove ${a.address}` }),
      ]);
      const body = html`${dataTable('Aliases', ['Alias', 'Delivers to', ''], rows)}
<h2>Add an alias</h2>
${postForm(session, PATH, {
  button: 'Add alias',
  body: html`${field('Alias address', 'address', { required: true, hint: 'An address, or @example.org for the catch-all of a domain.' })}
${field('Delivers to', 'targets', { required: true, hint: 'One or more addresses, separated by commas or spaces.' })}`,
})}`;
      return page(call, 'Aliases and catch-all', body);
    },
  },
  {
    method: 'POST',
    path: PATH,
    role: 'admin',
    async run({ ctx, form, session }) {
      const targets = form.text('targets').split(/[\s,;]+/).filter((t) => t !== '');
      const alias = await ctx.admin.aliasAdd({ address: form.text('address'), targets });
      return done(session, PATH, { kind: 'ok', text: `Added ${alias.address} → ${alias.targets.join(', ')}.` });
    },
  },
  {
    method: 'POST',
    path: `${PATH}/remove`,
    role: 'admin',
    async run({ ctx, form, session }) {
      const { removed } = await ctx.admin.aliasRemove({ address: form.text('address') });
      return done(session, PATH, { kind: 'ok', text: `Removed ${removed}.` });
    },
  },
];
