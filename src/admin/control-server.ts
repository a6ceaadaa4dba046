import { once } from 'node:events';
import { chmodSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../log/logger.ts';
import { StoreError } from '../store/types.ts';
import { AdminError, type AdminService } from './service.ts';
import { ADMIN_METHODS, CONTROL_SOCKET, MAX_REQUEST_LINE, type CallContext, type ControlRequest, type ControlResponse } from './protocol.ts';

/** Listens on `<data dir>/control.sock`, mode 0600: only the server's own user may administer it. */
export async function startControlServer(dataDir: string, service: AdminService, log: Logger, maxBody: number): Promise<Server> {
  const path = join(dataDir, CONTROL_SOCKET);
  // A socket file left by a killed server would make listen fail; we hold the store lock, so it is stale.
  rmSync(path, { force: true });
  let nextId = 1;
  const server = createServer((socket) => handle(socket, service, log.child({ conn: `ctl-${nextId++}` }), maxBody));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const oldMask = process.umask(0o177);
    server.listen(path, () => {
      process.umask(oldMask);
      resolve();
    });
  });
  chmodSync(path, 0o600);
  log.info({ socket: path }, 'control socket listening');
  return server;
}

function handle(socket: Socket, service: AdminService, log: Logger, maxBody: number): void {
  let buffered = Buffer.alloc(0);
  let request: ControlRequest | null = null;
  const reply = (response: ControlResponse) => {
    socket.end(JSON.stringify(response) + '\n');
  };
  const fail = (code: string, message: string) => {
    log.warn({ code }, message);
    reply({ ok: false, error: { code, message } });
  };
  socket.on('error', (err) => log.debug({ err }, 'control connection error'));
  // A client that goes away (Ctrl-C on a backup) stops its job.
  const gone = new AbortController();
  socket.on('close', () => gone.abort());
  const context: CallContext = {
    signal: gone.signal,
    send: async (chunk) => {
      gone.signal.throwIfAborted();
      socket.write(JSON.stringify({ chunk: chunk.length }) + '\n');
      if (!socket.write(chunk)) await once(socket, 'drain', { signal: gone.signal });
    },
  };
  socket.on('data', (data) => {
    buffered = Buffer.concat([buffered, data]);
    if (!request) {
      const newline = buffered.indexOf(10);
      if (newline === -1) {
        if (buffered.length > MAX_REQUEST_LINE) {
          socket.removeAllListeners('data');
          fail('invalid', 'control request line too long');
        }
        return;
      }
      try {
        request = parseRequest(buffered.subarray(0, newline).toString('utf8'), maxBody);
      } catch (err) {
        socket.removeAllListeners('data');
        fail('invalid', (err as Error).message);
        return;
      }
      buffered = buffered.subarray(newline + 1);
    }
    const bodyLength = request.bodyLength ?? 0;
    if (buffered.length < bodyLength) return;
    socket.removeAllListeners('data');
    void run(request, buffered.subarray(0, bodyLength));
  });

  async function run(req: ControlRequest, body: Buffer): Promise<void> {
    try {
      const method = service[req.method] as (params: unknown, body: Buffer, context: CallContext) => Promise<unknown>;
      const result = await method.call(service, req.params ?? {}, body, context);
      log.info({ method: req.method }, 'control request done');
      reply({ ok: true, result });
    } catch (err) {
      if (err instanceof AdminError || err instanceof StoreError) fail(err.code, err.message);
      else if (gone.signal.aborted) log.info({ method: req.method }, 'control request stopped: the client went away');
      else {
        log.error({ err, method: req.method }, 'control request failed');
        reply({ ok: false, error: { code: 'internal', message: (err as Error).message } });
      }
    }
  }
}

function parseRequest(line: string, maxBody: number): ControlRequest {
  const value = JSON.parse(line) as Partial<ControlRequest>;
  if (!value || typeof value !== 'object' || !ADMIN_METHODS.includes(value.method as never)) {
    throw new Error(`unknown control method ${JSON.stringify(value?.method)}`);
  }
  const bodyLength = value.bodyLength ?? 0;
  if (!Number.isSafeInteger(bodyLength) || bodyLength < 0 || bodyLength > maxBody) {
    throw new Error(`body length ${bodyLength} is outside 0..${maxBody}`);
  }
  return { method: value.method!, params: value.params, bodyLength };
}
