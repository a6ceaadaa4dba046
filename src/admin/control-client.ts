import { connect } from 'node:net';
import { join } from 'node:path';
import { ADMIN_METHODS, CONTROL_SOCKET, type AdminApi, type CallContext, type ControlResponse } from './protocol.ts';
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
    api[method] = (params: unknown, body?: Buffer, context?: CallContext) => call(path, method, params, body, context);
  }
  return api as unknown as AdminApi;
}

function call(path: string, method: string, params: unknown, body?: Buffer, context: CallContext = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const input = new ChunkedInput();
    let response: ControlResponse | null = null;
    let failure: Error | null = null;
    // Closing the connection is how a job is stopped: the server aborts it.
    const stop = () => socket.destroy();
    context.signal?.addEventListener('abort', stop, { once: true });
    socket.on('connect', () => {
      socket.write(JSON.stringify({ method, params: params ?? {}, bodyLength: body?.length ?? 0 }) + '\n');
      if (body) socket.write(body);
    });
    // Each piece is taken in turn; the socket waits while a chunk is being taken (backpressure).
    let taking = Promise.resolve();
    const take = async () => {
      try {
        for (let item = input.next(); item; item = input.next()) {
          if (Buffer.isBuffer(item)) await context.send?.(item);
          else response = item;
        }
      } catch (err) {
        failure = err instanceof SyntaxError ? new AdminError('unavailable', `control socket ${path}: an answer that is not JSON`) : (err as Error);
        socket.destroy();
      }
    };
    socket.on('data', (d: Buffer) => {
      input.push(d);
      socket.pause();
      taking = taking.then(take).then(() => void socket.resume());
    });
    socket.on('error', (err) => (failure ??= new AdminError('unavailable', `control socket ${path}: ${err.message}`)));
    socket.on('close', () => {
      context.signal?.removeEventListener('abort', stop);
      void taking.then(() => {
        if (context.signal?.aborted) reject(new AdminError('interrupted', 'interrupted'));
        else if (failure) reject(failure);
        else if (!response) reject(new AdminError('unavailable', `control socket ${path}: the server closed the connection without an answer`));
        else if (response.ok) resolve(response.result);
        else reject(new AdminError(response.error.code, response.error.message));
      });
    });
  });
}

/** Splits what the server sends into answer lines and the chunks announced by `{"chunk":N}` lines. */
class ChunkedInput {
  #pieces: Buffer[] = [];
  #length = 0;
  /** The size of the chunk being read, or -1 while reading a line. */
  #expecting = -1;

  push(data: Buffer): void {
    this.#pieces.push(data);
    this.#length += data.length;
  }

  next(): Buffer | ControlResponse | null {
    if (this.#expecting >= 0) {
      if (this.#length < this.#expecting) return null;
      const chunk = this.#take(this.#expecting);
      this.#expecting = -1;
      return chunk;
    }
    const all = this.#take(0);
    const newline = all.indexOf(10);
    if (newline === -1) return null;
    const line = JSON.parse(this.#take(newline + 1).toString('utf8')) as ControlResponse | { chunk: number };
    if ('chunk' in line) {
      this.#expecting = line.chunk;
      return this.next();
    }
    return line;
  }

  /** The first `n` bytes (0: none, joining the pieces for a look), taken off the front. */
  #take(n: number): Buffer {
    const all = this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces, this.#length);
    this.#pieces = [all.subarray(n)];
    this.#length -= n;
    return n === 0 ? all : all.subarray(0, n);
  }
}
