import type { RecordKind, RecordSnapshot, StoreRecord } from '../store/records.ts';
import { BackupError, decodeRecords, encodeRecords } from './backup-format.ts';

type Send = (chunk: Buffer) => Promise<void>;

interface Described {
  backend: string;
  layout: number;
  estimatedBytes: number;
}

/**
 * The server's side of a backup: the snapshot's description, then its records a batch
 * at a time, each sent when the CLI can take it. The CLI does the hashing, compressing
 * and writing, in its own process and as its own user, so the server does little more
 * than read its store.
 */
export async function sendSnapshot(snapshot: RecordSnapshot, send: Send, signal?: AbortSignal): Promise<{ records: number }> {
  const described: Described = { backend: snapshot.backend, layout: snapshot.layout, estimatedBytes: snapshot.estimatedBytes };
  await send(Buffer.from(JSON.stringify(described)));
  let records = 0;
  for (let batch = await snapshot.next(); batch.length > 0; batch = await snapshot.next()) {
    signal?.throwIfAborted();
    await send(encodeRecords(batch));
    records += batch.length;
  }
  return { records };
}

/**
 * The CLI's side: a snapshot read from a running `sendSnapshot` (over the control
 * socket, or in this process when no server runs). At most two batches wait here.
 */
export async function receiveSnapshot(
  start: (send: Send, signal: AbortSignal) => Promise<unknown>,
  kind: (key: Buffer) => RecordKind | null,
): Promise<RecordSnapshot> {
  const stop = new AbortController();
  const queue: Buffer[] = [];
  let space: (() => void) | null = null;
  let wake: (() => void) | null = null;
  let ended = false;
  let failure: unknown = null;
  const send: Send = (chunk) => {
    queue.push(chunk);
    wake?.();
    return queue.length < 2 ? Promise.resolve() : new Promise<void>((resolve) => (space = resolve));
  };
  const running = start(send, stop.signal).then(
    () => void (ended = true),
    (err: unknown) => void ((failure = err), (ended = true)),
  );
  void running.then(() => wake?.());
  const take = async (): Promise<Buffer | null> => {
    while (queue.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
    if (queue.length === 0 && failure) throw failure;
    const chunk = queue.shift() ?? null;
    if (queue.length < 2) space?.();
    return chunk;
  };
  const first = await take();
  if (!first) throw new BackupError('invalid', 'the store sent no records');
  const described = JSON.parse(first.toString('utf8')) as Described;
  return {
    ...described,
    kind,
    next: async (): Promise<StoreRecord[]> => {
      const chunk = await take();
      return chunk ? decodeRecords(chunk) : [];
    },
    close: async () => {
      if (!ended) stop.abort();
      await running;
    },
  };
}
