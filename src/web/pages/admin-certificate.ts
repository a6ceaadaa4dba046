import { facts, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/admin/certificate';
const when = (ms: number | undefined) => (ms === undefined ? 'never' : new Date(ms).toISOString());

export const adminCertificateRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'admin',
    async run(call) {
      const c = await call.ctx.admin.certStatus();
      const acme = c.acme
        ? html`<h2>ACME</h2>${facts([
            ['Directory', c.acme.directory ?? ''],
            ['Challenge', c.acme.challenge ?? ''],
            ['Last attempt', when(c.acme.lastAttemptAt)],
            ['Last success', when(c.acme.lastSuccessAt)],
            ['Last error', c.acme.lastError ?? 'none'],
            ['Failures in a row', c.acme.failures],
            ['Renews at', when(c.acme.renewAt)],
          ])}
${postForm(call.session, `${PATH}/renew`, { button: 'Renew now', confirm: 'Ask the CA for a new certificate now?' })}`
        : html`<p class="muted">ACME is off: ${c.files ? 'the certificate files are watched and reloaded when they change.' : 'set [acme] enabled = true to get a certificate from Let\u2019s Encrypt.'}</p>`;
      const body = html`${facts([
        ['Names', c.names.join(', ')],
        ['Source', c.source],
        ['Issuer', c.issuer],
        ['Valid from', c.notBefore],
        ['Valid until', c.notAfter],
        ['SHA-256', html`<code>${c.fingerprint256}</code>`],
        ...(c.files ? [['Files', `${c.files.cert}, ${c.files.key}`] as [string, string]] : []),
      ])}${acme}`;
      return page(call, 'Certificate', body);
    },
  },
  {
    method: 'POST',
    path: `${PATH}/renew`,
    role: 'admin',
    async run({ ctx, session }) {
      const c = await ctx.admin.certRenew();
      return done(session, PATH, { kind: 'ok', text: `Renewed: valid until ${c.notAfter}.` });
    },
  },
];
