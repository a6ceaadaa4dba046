import { connect } from 'node:net';
import { join } from 'node:path';
import type { ProgressUpdate } from '../transfer/progress-update.ts';
import { ADMIN_METHODS, CONTROL_SOCKET, type AdminApi, type CallContext, type ControlResponse } from './protocol.ts';
import { AdminError } from './service.ts';

/**
 * Connects to a running server's control socket; null when no server listens
 * there (no socket file, or a stale one), so the CLI can open the store itself.
 */
export async function connectControl(dataDir: string): Promise<AdminApi | null> {
  const path = join(dataDir, CONTROL_SOCKET);
  const reachable = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (!reachable) return null;
  const api: Record<string, unknown> = {};
  for (const method of ADMIN_METHODS) {
    api[method] = (params: unknown, body?: Buffer, context?: CallContext) => call(path, method, params, body, context);
  }
  return api as unknown as AdminApi;
}

function call(path: string, method: string, params: unknown, body?: Buffer, context: CallContext = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let pending = '';
    let response: ControlResponse | null = null;
    // Closing the connection is how a job is stopped: the server aborts it.
    const stop = () => socket.destroy();
    context.signal?.addEventListener('abort', stop, { once: true });
    socket.on('connect', () => {
      socket.write(JSON.stringify({ method, params: params ?? {}, bodyLength: body?.length ?? 0 }) + '\n');
      if (body) socket.write(body);
    });
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      pending += d;
      for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
        let line: ControlResponse | { progress: ProgressUpdate };
        try {
          line = JSON.parse(pending.slice(0, newline)) as typeof line;
        } catch {
          socket.destroy();
          return;
        }
        pending = pending.slice(newline + 1);
        if ('progress' in line) context.progress?.(line.progress);
        else response = line;
      }
    });
    socket.on('error', (err) => reject(new AdminError('unavailable', `control socket ${path}: ${err.message}`)));
    socket.on('close', () => {
      context.signal?.removeEventListener('abort', stop);
      if (context.signal?.aborted) reject(new AdminError('interrupted', 'interrupted'));
      else if (!response) reject(new AdminError('unavailable', `control socket ${path}: the server closed the connection without an answer`));
      else if (response.ok) resolve(response.result);
      else reject(new AdminError(response.error.code, response.error.message));
    });
  });
}
