import { dataTable, field, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/admin/domains';

export const adminDomainRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'admin',
    async run(call) {
      const { session, ctx } = call;
      const domains = await ctx.admin.domainList();
      const rows = domains.map((d) => [
        d.name,
        new Date(d.createdAt).toISOString().slice(0, 10),
        html`<a href="/admin/dns?domain=${encodeURIComponent(d.name)}">DNS records</a>`,
        postForm(session, `${PATH}/remove`, { button: 'Remove', hidden: { name: d.name }, danger: true, inline: true, confirm: `Remove ${d.name}?`, label: `Remove ${d.name}` }),
      ]);
      const body = html`${dataTable('Local domains', ['Domain', 'Added', 'DNS', ''], rows)}
<h2>Add a domain</h2>
${postForm(session, PATH, { button: 'Add domain', body: field('Domain name', 'name', { required: true, hint: 'For example: example.org' }) })}
<p class="muted">A domain with accounts or aliases cannot be removed: remove them first.</p>`;
      return page(call, 'Domains', body);
    },
  },
  {
    method: 'POST',
    path: PATH,
    role: 'admin',
    async run({ ctx, form, session }) {
      const domain = await ctx.admin.domainAdd({ name: form.text('name') });
      return done(session, PATH, { kind: 'ok', text: `Added ${domain.name}. Make its DKIM keys and publish its DNS records next.` });
    },
  },
  {
    method: 'POST',
    path: `${PATH}/remove`,
    role: 'admin',
    async run({ ctx, form, session }) {
      const { removed } = await ctx.admin.domainRemove({ name: form.text('name') });
      return done(session, PATH, { kind: 'ok', text: `Removed ${removed}.` });
    },
  },
];
