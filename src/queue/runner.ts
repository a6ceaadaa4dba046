import { increment } from '../metrics/registry.ts';
import type { Logger } from '../log/logger.ts';
import type { QueueEntry, QueueRecipient } from '../store/types.ts';
import { KeyedLimiter } from '../net/keyed-limiter.ts';
import type { OutboundQueue } from './outbound.ts';
import { sendReport } from './report.ts';
import { attemptDelivery, routeKey, type Attempt, type TransportSettings } from './transport.ts';

export interface RunnerSettings extends TransportSettings {
  hostname: string;
  /** Entries tried at once. */
  concurrency: number;
  /** Transactions at once per recipient domain (or to the smarthost). */
  perDomain: number;
  /** Seconds before the first retry; it doubles with each retry up to `retryMax`. */
  retryFirst: number;
  retryMax: number;
  /** Seconds after which a recipient still failing temporarily is given up. */
  giveUpAfter: number;
  /** Seconds after which the sender is told its message is delayed; 0 never. */
  delayWarningAfter: number;
}

export interface QueueRunner {
  /** Stops trying: connections in progress are cut, and their recipients stay as they were. */
  close(): Promise<void>;
}

/** Seconds to wait after the n-th failed try (n >= 1). */
export function backoff(settings: Pick<RunnerSettings, 'retryFirst' | 'retryMax'>, attempts: number): number {
  return Math.min(settings.retryFirst * 2 ** Math.min(attempts - 1, 30), settings.retryMax);
}

/** When an entry next needs the runner: a recipient due, or its delay warning; never while it is held. */
export function dueTime(settings: Pick<RunnerSettings, 'delayWarningAfter'>, entry: QueueEntry): number {
  if (entry.heldAt !== undefined) return Infinity;
  const pending = entry.recipients.filter((r) => r.state === 'pending');
  let due = Math.min(...pending.map((r) => r.nextAttempt));
  if (pending.length > 0 && !entry.delayWarned && settings.delayWarningAfter > 0 && entry.from !== '') {
    due = Math.min(due, entry.createdAt + settings.delayWarningAfter * 1000);
  }
  return due;
}

/** Applies one try's outcome to a recipient; true when it has now failed for good. */
function record(settings: RunnerSettings, entry: QueueEntry, r: QueueRecipient, a: Attempt, now: number): boolean {
  r.attempts++;
  r.lastAttempt = now;
  r.lastResult = a.result;
  r.status = a.status;
  if (a.remoteMta) r.remoteMta = a.remoteMta;
  else delete r.remoteMta;
  if (a.outcome === 'sent') r.state = 'sent';
  else if (a.outcome === 'permanent') r.state = 'failed';
  else {
    const expires = entry.createdAt + settings.giveUpAfter * 1000;
    if (now >= expires) {
      r.state = 'failed';
      r.lastResult = `gave up after ${r.attempts} attempts: ${a.result}`;
    } else r.nextAttempt = Math.min(now + backoff(settings, r.attempts) * 1000, expires);
  }
  return r.state === 'failed';
}

/**
 * Takes due entries out of the queue and tries them: one transaction per recipient
 * domain (or one to the smarthost), at most `perDomain` at once per domain and
 * `concurrency` entries at once. Failures are reported to the sender; entries whose
 * recipients are all done leave the queue. Scheduling reads the store, so after a
 * restart everything resumes where it was.
 */
export function startQueueRunner(queue: OutboundQueue, settings: RunnerSettings, log: Logger): QueueRunner {
  const limiter = new KeyedLimiter(settings.perDomain);
  const reports = { queue, hostname: settings.hostname, subaddressSeparator: settings.subaddressSeparator };
  const stop = new AbortController();
  const active = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let scanning: Promise<void> | null = null;
  let again = false;
  let closed = false;

  const schedule = (at: number) => {
    clearTimeout(timer);
    if (closed || !Number.isFinite(at)) return;
    // setTimeout takes at most 2^31-1 ms; a later time is looked at again then.
    timer = setTimeout(wake, Math.min(Math.max(at - Date.now(), 0), 2 ** 31 - 1));
  };

  function wake(): void {
    if (closed) return;
    if (scanning) {
      again = true;
      return;
    }
    scanning = scan().finally(() => (scanning = null));
  }

  async function scan(): Promise<void> {
    do {
      again = false;
      let next = Infinity;
      try {
        const now = Date.now();
        for (const entry of await queue.list()) {
          if (closed) return;
          if (queue.isBusy(entry.id)) continue;
          const due = dueTime(settings, entry);
          if (due > now) next = Math.min(next, due);
          else if (active.size < settings.concurrency) {
            const claimed = await queue.claim(entry.id, (e) => dueTime(settings, e) <= Date.now());
            if (claimed) start(claimed);
          }
        }
      } catch (err) {
        log.error({ err }, 'reading the queue failed');
        next = Date.now() + 60_000;
      }
      schedule(next);
    } while (again && !closed);
  }

  function start(entry: QueueEntry): void {
    const run = attempt(entry)
      .catch((err: unknown) => log.error({ err, queue: entry.id }, 'queue attempt failed'))
      .finally(() => {
        active.delete(run);
        wake();
      });
    active.add(run);
  }

  async function attempt(entry: QueueEntry): Promise<void> {
    let released = false;
    try {
      const started = Date.now();
      const groups = new Map<string, string[]>();
      for (const r of entry.recipients) {
        if (r.state !== 'pending' || r.nextAttempt > started) continue;
        const key = routeKey(settings, r.address);
        groups.set(key, [...(groups.get(key) ?? []), r.address]);
      }
      const attempts = (
        await Promise.all(
          [...groups].map(([key, addresses]) =>
            limiter.run(key, () => attemptDelivery(settings, entry, key, addresses, stop.signal, log)).catch((err: unknown): Attempt[] =>
              addresses.map((address) => ({ address, outcome: 'temporary', result: `local error: ${(err as Error).message}`, status: '4.3.0' })),
            ),
          ),
        )
      ).flat();
      const now = Date.now();
      const failed: QueueRecipient[] = [];
      const relayed: QueueRecipient[] = [];
      for (const a of attempts) {
        const r = entry.recipients.find((x) => x.address === a.address)!;
        // A try cut short by shutdown says nothing about the recipient: it is simply tried again after the restart.
        if (stop.signal.aborted && a.outcome === 'temporary') continue;
        if (record(settings, entry, r, a, now)) failed.push(r);
        if (a.relayed) relayed.push(r);
        log.info({ queue: entry.id, rcpt: a.address, outcome: a.outcome, mx: a.remoteMta, result: a.result, ...(a.tls ? { tls: a.tls } : {}) }, 'delivery attempt');
      }
      const expires = entry.createdAt + settings.giveUpAfter * 1000;
      if (failed.length > 0) {
        increment('mailfold_messages_bounced_total');
        await sendReport(reports, log, entry, 'failed', failed, expires);
      }
      // Only recipients whose NOTIFY asks for SUCCESS get into it.
      if (relayed.length > 0) await sendReport(reports, log, entry, 'relayed', relayed, expires);
      const pending = entry.recipients.filter((r) => r.state === 'pending');
      const warnAt = entry.createdAt + settings.delayWarningAfter * 1000;
      if (pending.length > 0 && !entry.delayWarned && settings.delayWarningAfter > 0 && now >= warnAt && !stop.signal.aborted) {
        await sendReport(reports, log, entry, 'delayed', pending, expires);
        entry.delayWarned = true;
      }
      released = true;
      await queue.release(entry.id, pending.length > 0 ? entry : null);
    } finally {
      if (!released) await queue.release(entry.id, entry);
    }
  }

  queue.attach(wake);
  wake();
  return {
    async close() {
      closed = true;
      clearTimeout(timer);
      queue.detach();
      stop.abort();
      settings.resolve.cancel();
      settings.dane?.cancel();
      await scanning;
      await Promise.allSettled([...active]);
    },
  };
}
