import { field, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { checkbox, textArea } from '../controls.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/account/vacation';

/** A number field: absent when empty; anything else goes to the AdminService, which names what is wrong. */
const optionalNumber = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

export const accountVacationRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'user',
    async run(call) {
      const { session, account, ctx } = call;
      const { on, settings } = await ctx.admin.vacationShow({ address: account.address });
      const body = html`<p>While it is on, whoever writes to you gets this reply, once every few days per sender; your filter rules and
your own Sieve script keep working. It is the same reply <code>mailfold vacation</code> sets.</p>
<p class="muted">Now: ${on ? 'on' : 'off'}.</p>
${postForm(session, PATH, {
  button: 'Save vacation reply',
  body: html`${checkbox('Send an out-of-office reply', 'on', on)}
${field('Subject', 'subject', { value: settings?.subject ?? 'Out of office' })}
${textArea('Message', 'message', settings?.message ?? '')}
${field('Last day away (optional)', 'until', { type: 'date', value: settings?.until ?? '', hint: 'No replies after this day.' })}
${field('Days before the same sender is answered again', 'days', { type: 'number', value: String(settings?.days ?? 7), hint: 'From 1 to 30.' })}`,
})}`;
      return page(call, 'Vacation reply', body);
    },
  },
  {
    method: 'POST',
    path: PATH,
    role: 'user',
    async run({ ctx, form, account, session, req }) {
      const on = form.text('on') === 'on';
      const until = form.text('until').trim();
      const days = optionalNumber(form.text('days'));
      await ctx.admin.vacation({
        address: account.address,
        on,
        ...(on ? { subject: form.text('subject'), message: form.text('message') } : {}),
        ...(on && until !== '' ? { until } : {}),
        ...(on && days !== undefined ? { days } : {}),
      });
      ctx.log.info({ ip: req.remoteAddress, account: account.address, on }, 'vacation set on the web');
      return done(session, PATH, { kind: 'ok', text: on ? 'Your vacation reply is on.' : 'Your vacation reply is off.' });
    },
  },
];
