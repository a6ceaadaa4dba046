import { dataTable, field, postForm } from '../components.ts';
import type { PageCall, WebRoute } from '../context.ts';
import { checkbox, choice } from '../controls.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';
import { FILTER_FIELDS, FILTERS_SCRIPT, type FilterField, type FilterRule } from '../../sieve/filter-rules-script.ts';
import { HttpError } from '../../http/routes.ts';

const PATH = '/account/filters';

const FIELD_NAMES: Record<FilterField, string> = { from: 'From', to: 'To or Cc', subject: 'Subject', 'list-id': 'Mailing list (List-Id)' };

const current = async ({ ctx, account }: PageCall): Promise<FilterRule[]> => (await ctx.admin.filterList({ address: account.address })).rules;

export const accountFilterRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'user',
    async run(call) {
      const { session, account, ctx } = call;
      const { rules, userScript } = await ctx.admin.filterList({ address: account.address });
      const rows = rules.map((r, i) => [
        FIELD_NAMES[r.field],
        r.contains,
        r.markRead ? `${r.folder} (marked read)` : r.folder,
        postForm(session, `${PATH}/remove`, { button: 'Remove', hidden: { index: String(i) }, danger: true, inline: true, label: `Remove rule ${i + 1}` }),
      ]);
      const own = userScript
        ? html`<p>Your own Sieve script <strong>${userScript}</strong> keeps running after these rules; this page never changes it.</p>`
        : '';
      const body = html`<p>A message that matches a rule is moved to its folder (made when missing). The rules become the Sieve script
<code>${FILTERS_SCRIPT}</code>, which runs together with your vacation reply and with a script of your own from a mail client (ManageSieve).</p>
${own}
${dataTable('Your filter rules', ['When', 'contains', 'Move to', ''], rows)}
<h2>New rule</h2>
${postForm(session, PATH, {
  button: 'Add rule',
  body: html`${choice('When', 'field', FILTER_FIELDS.map((f) => [f, FIELD_NAMES[f]]))}
${field('contains', 'text', { required: true })}
${field('Move to folder', 'folder', { required: true, hint: 'For example: Work, or Lists/Debian.' })}
${checkbox('Mark as read', 'read', false)}`,
})}`;
      return page(call, 'Filter rules', body);
    },
  },
  {
    method: 'POST',
    path: PATH,
    role: 'user',
    async run(call) {
      const { ctx, form, account, session, req } = call;
      const fieldName = form.text('field') as FilterField;
      if (!FILTER_FIELDS.includes(fieldName)) throw new HttpError(400, `the field is one of ${FILTER_FIELDS.join(', ')}`);
      const rule: FilterRule = { field: fieldName, contains: form.text('text'), folder: form.text('folder'), markRead: form.text('read') === 'on' };
      await ctx.admin.filterSet({ address: account.address, rules: [...(await current(call)), rule] });
      ctx.log.info({ ip: req.remoteAddress, account: account.address, field: rule.field }, 'filter rule added on the web');
      return done(session, PATH, { kind: 'ok', text: 'The rule was added.' });
    },
  },
  {
    method: 'POST',
    path: `${PATH}/remove`,
    role: 'user',
    async run(call) {
      const { ctx, form, account, session, req } = call;
      const rules = await current(call);
      const index = Number(form.text('index'));
      if (!Number.isInteger(index) || index < 0 || index >= rules.length) throw new HttpError(400, 'there is no such rule');
      await ctx.admin.filterSet({ address: account.address, rules: rules.filter((_, i) => i !== index) });
      ctx.log.info({ ip: req.remoteAddress, account: account.address, index }, 'filter rule removed on the web');
      return done(session, PATH, { kind: 'ok', text: 'The rule was removed.' });
    },
  },
];
