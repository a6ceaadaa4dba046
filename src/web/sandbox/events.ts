import type { ServerResponse } from 'node:http';
import type { Reply } from '../../http/routes.ts';
import { MAX_SUBSCRIBERS, type SandboxInbox } from '../../sandbox/inbox.ts';
import type { SandboxSummary } from '../../sandbox/message.ts';
import { jsonError } from './json.ts';

/** Below the HTTP listener's 30 s idle cut, so an open stream is never taken for a dead one. */
const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events: `message` with a new message's summary, `deleted` with the ids that
 * went. The page listens to refresh its list; a test suite may too.
 */
export function eventStream(inbox: SandboxInbox): Reply {
  // Each open stream listens for 'message' once: their number is the count.
  if (inbox.listenerCount('message') >= MAX_SUBSCRIBERS) return { ...jsonError(429, `${MAX_SUBSCRIBERS} event streams are open already`), headers: { 'Retry-After': '1' } };
  return {
    status: 200,
    type: 'text/event-stream; charset=utf-8',
    body: '',
    headers: { 'X-Accel-Buffering': 'no' },
    stream(res: ServerResponse) {
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const onMessage = (summary: SandboxSummary) => send('message', summary);
      const onDeleted = (ids: number[]) => send('deleted', { ids });
      inbox.on('message', onMessage);
      inbox.on('deleted', onDeleted);
      const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
      res.once('close', () => {
        clearInterval(heartbeat);
        inbox.off('message', onMessage);
        inbox.off('deleted', onDeleted);
      });
      res.write(': connected\n\n');
    },
  };
}
