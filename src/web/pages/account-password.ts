import { checkLogin } from '../../auth/login.ts';
import { field, postForm } from '../components.ts';
import type { WebRoute } from '../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { done } from '../reply.ts';

const PATH = '/account/password';

export const accountPasswordRoutes: WebRoute[] = [
  {
    method: 'GET',
    path: PATH,
    role: 'user',
    run(call) {
      const body = html`<p>The new password is for mail clients (IMAP, POP3, SMTP) and for this site. Your other web sessions end.</p>
${postForm(call.session, PATH, {
  button: 'Change password',
  body: html`${field('Current password', 'current', { type: 'password', required: true, autocomplete: 'current-password' })}
${field('New password', 'password', { type: 'password', required: true, autocomplete: 'new-password' })}
${field('New password again', 'repeat', { type: 'password', required: true, autocomplete: 'new-password' })}`,
})}`;
      return page(call, 'Change your password', body);
    },
  },
  {
    method: 'POST',
    path: PATH,
    role: 'user',
    async run(call) {
      const { ctx, form, account, session, req } = call;
      const password = form.text('password');
      if (password !== form.text('repeat')) return done(session, PATH, { kind: 'error', text: 'The new passwords do not match.' });
      // The main password, under the same throttle as every login: a stolen session cannot guess it.
      const check = await checkLogin(ctx.store, ctx, { ip: req.remoteAddress, username: account.address, password: form.text('current'), service: 'web', mainPasswordOnly: true });
      if (!check.ok) {
        const text = check.reason === 'throttled' ? `Too many failed attempts: try again in ${check.retryAfterSeconds} seconds.` : 'The current password is wrong.';
        return done(session, PATH, { kind: 'error', text });
      }
      await ctx.admin.userPasswd({ address: account.address, password });
      ctx.sessions.endAccount(account.id, session.id);
      ctx.log.info({ ip: req.remoteAddress, account: account.address }, 'password changed on the web');
      return done(session, PATH, { kind: 'ok', text: 'Your password was changed.' });
    },
  },
];
