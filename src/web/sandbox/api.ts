import type { Reply } from '../../http/routes.ts';
import { TooManyWaiters, type SandboxInbox } from '../../sandbox/inbox.ts';
import { QueryError, parseQuery, type QueryTerm } from '../../sandbox/query.ts';
import type { WebRequest } from '../request.ts';
import { eventStream } from './events.ts';
import { attachmentHeaders, json, jsonError, messageId } from './json.ts';

export const API_PREFIX = '/sandbox/api/';
const MAX_LIMIT = 1000;
/** A wait ends before the HTTP listener's 30 s idle cut; a client waits again for longer. */
const MAX_WAIT_SECONDS = 25;

function query(req: WebRequest): QueryTerm[] {
  return parseQuery(req.url.searchParams.get('q') ?? '');
}

function bounded(value: string | null, fallback: number, max: number, name: string): number {
  if (value === null) return fallback;
  if (!/^[0-9]{1,7}$/.test(value)) throw new QueryError(`${name} must be a whole number`);
  return Math.min(Number(value), max);
}

/**
 * The JSON API for test suites (docs/web.md#sandbox-api):
 *   GET    messages?q=&limit=         newest first
 *   GET    messages/ID                parsed
 *   GET    messages/ID/raw            as captured
 *   GET    messages/ID/attachments/N  one attachment's content
 *   DELETE messages                   all; DELETE messages/ID: one
 *   GET    wait?q=&since=ID&timeout=S the first match newer than `since`, 204 when none came, 429 when too many wait
 *   GET    events                     Server-Sent Events
 */
export async function sandboxApi(inbox: SandboxInbox, req: WebRequest, method: string): Promise<Reply> {
  const parts = req.url.pathname.slice(API_PREFIX.length).split('/');
  const params = req.url.searchParams;
  try {
    const [head, idText, sub, indexText, ...rest] = parts;
    if (rest.length > 0) return jsonError(404, 'not found');
    if (head === 'events' && parts.length === 1) return method === 'GET' ? eventStream(inbox) : jsonError(405, 'use GET');
    if (head === 'wait' && parts.length === 1) {
      if (method !== 'GET') return jsonError(405, 'use GET');
      const since = bounded(params.get('since'), 0, 0xffffffff, 'since');
      const timeout = bounded(params.get('timeout'), MAX_WAIT_SECONDS, MAX_WAIT_SECONDS, 'timeout');
      const found = await inbox.waitFor(query(req), since, timeout * 1000, req.signal);
      return found ? json(200, found) : { status: 204, type: 'application/json', body: '' };
    }
    if (head !== 'messages') return jsonError(404, 'not found');
    if (idText === undefined || (idText === '' && parts.length === 2)) {
      if (method === 'GET') return json(200, { messages: await inbox.list(query(req), bounded(params.get('limit'), 100, MAX_LIMIT, 'limit')) });
      if (method === 'DELETE') return json(200, { deleted: await inbox.delete() });
      return jsonError(405, 'use GET or DELETE');
    }
    const id = messageId(idText);
    if (id === null) return jsonError(400, 'a message id is a positive whole number');
    if (sub === undefined) {
      if (method === 'DELETE') return (await inbox.delete([id])) > 0 ? json(200, { deleted: 1 }) : jsonError(404, `no message ${id}`);
      if (method !== 'GET') return jsonError(405, 'use GET or DELETE');
      const message = await inbox.get(id);
      return message ? json(200, message) : jsonError(404, `no message ${id}`);
    }
    if (method !== 'GET') return jsonError(405, 'use GET');
    if (sub === 'raw' && indexText === undefined) {
      const raw = await inbox.raw(id);
      // A download, never rendered: a browser may not take the message for a page of this site.
      return raw ? { status: 200, type: 'message/rfc822', body: raw, headers: attachmentHeaders(`message-${id}.eml`) } : jsonError(404, `no message ${id}`);
    }
    if (sub === 'attachments' && indexText !== undefined) {
      if (!/^[0-9]{1,4}$/.test(indexText)) return jsonError(400, 'an attachment index is a whole number');
      const found = await inbox.attachment(id, Number(indexText));
      if (!found) return jsonError(404, `no attachment ${indexText} in message ${id}`);
      return { status: 200, type: 'application/octet-stream', body: found.content, headers: attachmentHeaders(found.filename) };
    }
    return jsonError(404, 'not found');
  } catch (err) {
    if (err instanceof QueryError) return jsonError(400, err.message);
    if (err instanceof TooManyWaiters) return { ...jsonError(429, err.message), headers: { 'Retry-After': '1' } };
    throw err;
  }
}
