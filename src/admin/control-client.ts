import { connect } from 'node:net';
import { join } from 'node:path';
import { ADMIN_METHODS, CONTROL_SOCKET, type AdminApi, type ControlResponse } from './protocol.ts';
import { AdminError } from './service.ts';

/**
 * What a failed connection to the control socket means: no server there (null: no socket
 * file, or a stale one), or a server this user may not talk to, which is an error to report
 * rather than a reason to open the store behind the server's back.
 */
export function probeFailure(err: NodeJS.ErrnoException, path: string): AdminError | null {
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new AdminError('denied', `permission denied on the control socket ${path}: run as the user that runs the server`);
  }
  return null;
}

/**
 * Connects to a running server's control socket; null when no server listens
 * there, so the CLI can open the store itself.
 */
export async function connectControl(dataDir: string): Promise<AdminApi | null> {
  const path = join(dataDir, CONTROL_SOCKET);
  const reachable = await new Promise<boolean>((resolve, reject) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (err: NodeJS.ErrnoException) => {
      const failure = probeFailure(err, path);
      if (failure) reject(failure);
      else resolve(false);
    });
  });
  if (!reachable) return null;
  const api: Record<string, unknown> = {};
  for (const method of ADMIN_METHODS) {
    api[method] = (params: unknown, body?: Buffer) => call(path, method, params, body);
  }
  return api as unknown as AdminApi;
}

function call(path: string, method: string, params: unknown, body?: Buffer): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    socket.on('connect', () => {
      socket.write(JSON.stringify({ method, params: params ?? {}, bodyLength: body?.length ?? 0 }) + '\n');
      if (body) socket.write(body);
    });
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (err) => reject(new AdminError('unavailable', `control socket ${path}: ${err.message}`)));
    socket.on('end', () => {
      try {
        const response = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ControlResponse;
        if (response.ok) resolve(response.result);
        else reject(new AdminError(response.error.code, response.error.message));
      } catch {
        reject(new AdminError('unavailable', `control socket ${path}: the server closed the connection without an answer`));
      }
    });
  });
}
