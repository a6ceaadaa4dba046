import { dkimPublicKeys, dnsRecords } from '../../dns/records.ts';
import { dataTable, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/admin/dns';
const forDomain = (domain: string) => `${PATH}?domain=${encodeURIComponent(domain)}`;

export const adminDnsRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'admin',
    async run(call) {
      const { ctx, session, req } = call;
      const domains = await ctx.admin.domainList();
      const chosen = req.url.searchParams.get('domain') ?? domains[0]?.name;
      const picker = html`<nav aria-label="Domains"><ul>${domains.map((d) => html`<li><a href="${forDomain(d.name)}"${d.name === chosen ? html` aria-current="page"` : ''}>${d.name}</a></li>`)}</ul></nav>`;
      if (!chosen) return page(call, 'DNS and DKIM', html`<p>No domain yet: <a href="/admin/domains">add one</a>.</p>`);
      // The same keys and records as `mailfold dkim show` and `mailfold dns`.
      const dkim = await ctx.admin.dkimShow({ domain: chosen });
      const tlsa = ctx.dns.smtp.dane.enabled ? await ctx.admin.certStatus().then((c) => c.tlsa, () => undefined) : undefined;
      const records = dnsRecords(chosen, ctx.dns, dkimPublicKeys(dkim), tlsa);
      const keyRows = dkim.map((k) => [k.selector, k.algorithm, k.active ? 'signs new mail' : 'published only']);
      const recordRows = records.map((r) => [html`<code>${r.name}</code>`, r.type, html`<code>${r.value}</code>`, html`${r.comment}${r.placeholder ? html` <strong>(replace the placeholder)</strong>` : ''}`]);
      const body = html`${picker}
<h2>DKIM keys of ${chosen}</h2>
${dataTable('DKIM keys', ['Selector', 'Algorithm', 'Use'], keyRows)}
${postForm(session, `${PATH}/dkim`, { button: 'Make new DKIM keys', hidden: { domain: chosen }, confirm: 'Make new keys? Publish their records before old ones are removed.' })}
<h2>Records to publish</h2>
<p>Put these in the zone of ${chosen} at your DNS provider (<code>mailfold dns ${chosen}</code> prints them as a zone file).
This page does not yet check what DNS answers now: Mailfold has no <code>dns check</code> command yet.</p>
${dataTable('DNS records', ['Name', 'Type', 'Value', 'Why'], recordRows)}`;
      return page(call, 'DNS and DKIM', body);
    },
  },
  {
    method: 'POST',
    path: `${PATH}/dkim`,
    role: 'admin',
    async run({ ctx, form, session }) {
      const domain = form.text('domain');
      const keys = await ctx.admin.dkimGenerate({ domain });
      return done(session, forDomain(domain), { kind: 'ok', text: `New DKIM keys: ${keys.filter((k) => k.active).map((k) => k.selector).join(', ')}. Publish their records.` });
    },
  },
];
