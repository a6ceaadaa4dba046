import type { Reply } from '../../http/routes.ts';
import type { Logger } from '../../log/logger.ts';
import type { Sandbox } from '../../sandbox/mode.ts';
import { sameOrigin } from '../guard.ts';
import { sandboxInboxPage } from '../pages/sandbox-inbox.ts';
import { sandboxMessagePage, sandboxPreview } from '../pages/sandbox-message.ts';
import { redirect } from '../reply.ts';
import type { WebRequest } from '../request.ts';
import { logRefusal, sandboxAllowed, tokenCookie } from './access.ts';
import { API_PREFIX, sandboxApi } from './api.ts';
import { jsonError, messageId } from './json.ts';

const plain = (status: number, text: string): Reply => ({ status, type: 'text/plain; charset=utf-8', body: text + '\n' });

/** Everything under /sandbox/: the inbox pages and the JSON API, for this machine or the token's holders. */
export function sandboxHandler(sandbox: Sandbox, log: Logger): (req: WebRequest, method: string) => Promise<Reply> {
  return async (req, method) => {
    const path = req.url.pathname;
    const api = path.startsWith(API_PREFIX);
    if (!sandboxAllowed(req, sandbox.token)) {
      const cookie = !api && method === 'GET' ? tokenCookie(req, sandbox.token) : null;
      // A page opened with the token: the cookie is set and the token leaves the address bar.
      if (cookie) return redirect(path, { 'Set-Cookie': cookie });
      logRefusal(log, req, 'no sandbox token');
      const refusal = api ? jsonError(401, 'the sandbox API needs a token from clients not on this machine') : plain(401, 'the sandbox needs ?token=TOKEN from clients not on this machine');
      return { ...refusal, headers: { 'WWW-Authenticate': 'Bearer realm="sandbox"' } };
    }
    if (api) return sandboxApi(sandbox.inbox, req, method);
    if (path === '/sandbox') return redirect('/sandbox/');
    if (method === 'POST' && path === '/sandbox/delete') {
      // No session here: the Origin check alone keeps other sites from posting (SameSite cookie for remote browsers).
      if (!sameOrigin(req)) {
        logRefusal(log, req, 'cross-origin form');
        return plain(403, 'this form was not sent from this site');
      }
      const idText = req.url.searchParams.get('id');
      const id = messageId(idText);
      if (idText !== null && id === null) return plain(400, 'a message id is a positive whole number');
      await sandbox.inbox.delete(id === null ? undefined : [id]);
      return redirect('/sandbox/');
    }
    if (method !== 'GET') return { ...plain(405, 'method not allowed'), headers: { Allow: 'GET' } };
    if (path === '/sandbox/') return sandboxInboxPage(sandbox.inbox, req);
    if (path === '/sandbox/message') return sandboxMessagePage(sandbox.inbox, req);
    if (path === '/sandbox/preview') return sandboxPreview(sandbox.inbox, req);
    return plain(404, 'not found');
  };
}
