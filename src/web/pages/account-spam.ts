import { dataTable, facts, field, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { choice } from '../controls.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';
import { HttpError } from '../../http/routes.ts';

const PATH = '/account/spam';
const LIST_NAMES = { allow: 'Always allowed', block: 'Always junk' } as const;

export const accountSpamRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'user',
    async run(call) {
      const { session, account, ctx } = call;
      const [status, lists] = await Promise.all([ctx.admin.spamStatus({ address: account.address }), ctx.admin.spamLists({ address: account.address })]);
      const rows = lists.map((e) => [
        e.sender,
        LIST_NAMES[e.list],
        postForm(session, `${PATH}/list`, { button: 'Remove', hidden: { sender: e.sender, list: 'none' }, danger: true, inline: true, label: `Remove ${e.sender}` }),
      ]);
      const body = html`<p>Mail from an allowed sender is never junk; mail from a blocked one always goes to Junk. An entry is an address
(<code>friend@example.com</code>) or a whole domain (<code>example.com</code>).</p>
${dataTable('Your allow and block lists', ['Address or domain', 'List', ''], rows)}
<h2>Add to a list</h2>
${postForm(session, `${PATH}/list`, {
  button: 'Add to list',
  body: html`${field('Address or domain', 'sender', { required: true })}
${choice('List', 'list', [['allow', LIST_NAMES.allow], ['block', LIST_NAMES.block]])}`,
})}
<h2>What the filter has learned</h2>
<p>The filter learns from the messages you move into Junk and out of it (and from <code>mailfold spam train</code>).</p>
${facts([['Spam messages learned', status.spam], ['Good messages learned', status.ham], ['Words known', status.tokens], ['Allowed senders', status.allowed], ['Blocked senders', status.blocked]])}
${postForm(session, `${PATH}/forget`, { button: 'Forget what was learned', danger: true, confirm: 'Forget everything the spam filter learned from your mail? The lists stay.' })}`;
      return page(call, 'Spam filter', body);
    },
  },
  {
    method: 'POST',
    path: `${PATH}/list`,
    role: 'user',
    async run({ ctx, form, account, session, req }) {
      const choice = form.text('list');
      if (choice !== 'allow' && choice !== 'block' && choice !== 'none') throw new HttpError(400, 'a list is allow, block or none');
      const sender = form.text('sender').trim();
      await ctx.admin.spamSetList({ address: account.address, sender, list: choice === 'none' ? null : choice });
      ctx.log.info({ ip: req.remoteAddress, account: account.address, sender, list: choice }, 'spam list changed on the web');
      return done(session, PATH, { kind: 'ok', text: choice === 'none' ? `${sender} is on no list now.` : `${sender} is on the ${LIST_NAMES[choice].toLowerCase()} list.` });
    },
  },
  {
    method: 'POST',
    path: `${PATH}/forget`,
    role: 'user',
    async run({ ctx, account, session, req }) {
      await ctx.admin.spamForget({ address: account.address });
      ctx.log.info({ ip: req.remoteAddress, account: account.address }, 'spam training forgotten on the web');
      return done(session, PATH, { kind: 'ok', text: 'The spam filter forgot what it learned from your mail.' });
    },
  },
];
