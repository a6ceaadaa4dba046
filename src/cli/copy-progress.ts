import type { CopyProgress } from '../store/copy.ts';

/** A line this many messages or this long after the last one, and at each phase's start. */
const LINE_EVERY_MESSAGES = 1000;
const LINE_EVERY_MS = 5_000;

const PHASES: Record<CopyProgress['phase'], string> = {
  setup: 'domains, accounts, scripts, spam data and vault',
  messages: 'messages',
  queue: 'the queue',
  verify: 'comparing with the source',
  done: 'done',
};

export const copyLine = (p: CopyProgress): string =>
  `copying store: ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} messages, ${Math.round(p.rate).toLocaleString('en')} messages/s (${PHASES[p.phase]})`;

/** `store copy`'s progress: JSON lines on stdout with --json, else lines on stderr, throttled so a large store says it is alive without a line per batch. */
export function copyProgress(opts: { json: boolean }): (p: CopyProgress) => void {
  let last = { phase: '', done: 0, at: 0 };
  return (p) => {
    const edge = p.phase !== last.phase;
    if (!edge && p.done - last.done < LINE_EVERY_MESSAGES && Date.now() - last.at < LINE_EVERY_MS) return;
    last = { phase: p.phase, done: p.done, at: Date.now() };
    if (opts.json) process.stdout.write(`${JSON.stringify({ event: 'progress', ...p })}\n`);
    else process.stderr.write(`${copyLine(p)}\n`);
  };
}
