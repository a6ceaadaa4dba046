import type { SingleBar } from 'cli-progress';
import { formatBytes } from '../cli/format.ts';
import type { ProgressSink, ProgressUpdate } from './progress-update.ts';

export type { ProgressSink, ProgressUpdate };

/** What a long command shows while it runs, and how it ends. */
export interface ProgressReporter {
  update: ProgressSink;
  /** Ends the display and prints the result: as JSON with --json, otherwise `human`. */
  done(result: unknown, human: string): void;
  /** Ends the display before an error is printed. */
  stop(): void;
}

export interface ProgressOptions {
  /** The job's name, at the start of every line: "backup", "restore" ... */
  label: string;
  /** What `items` counts: "records", "messages". */
  unit: string;
  json: boolean;
  /** Without a terminal, also a plain line each time this many more items are done. */
  lineEveryItems?: number;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/** Plain lines in a log come this far apart; JSON lines more often, for scripts that draw their own bar. */
const LINE_EVERY_MS = 10_000;
const JSON_EVERY_MS = 1_000;

/**
 * A bar on a terminal (items, bytes, rate, time left), a plain line every ten seconds
 * in a log, or with --json one JSON object per line on stdout, the result last.
 * Without a total (an import does not know its size) there is no bar and no time left.
 */
export async function progressReporter(opts: ProgressOptions): Promise<ProgressReporter> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const started = Date.now();
  const seconds = () => Math.max((Date.now() - started) / 1000, 0.001);
  const rate = (bytes: number) => bytes / seconds();
  if (opts.json) return jsonReporter(stdout, rate);
  // cli-progress (with its terminal-width helpers) only for a terminal: the server never draws a bar.
  if (stderr.isTTY) return barReporter(opts, stdout, stderr, rate, (await import('cli-progress')).SingleBar);
  let lastLine = started;
  let lastItems = 0;
  const every = opts.lineEveryItems ?? Infinity;
  return {
    update: (u) => {
      if (Date.now() - lastLine < LINE_EVERY_MS && Math.floor(u.items / every) === Math.floor(lastItems / every)) return;
      lastLine = Date.now();
      lastItems = u.items;
      stderr.write(`${opts.label}: ${describe(u, opts.unit, seconds())}\n`);
    },
    done: (_result, human) => void stdout.write(`${human}\n`),
    stop: () => {},
  };
}

function jsonReporter(stdout: NodeJS.WriteStream, rate: (bytes: number) => number): ProgressReporter {
  let last = 0;
  const line = (value: unknown) => stdout.write(JSON.stringify(value) + '\n');
  return {
    update: (u) => {
      if (Date.now() - last < JSON_EVERY_MS) return;
      last = Date.now();
      line({ event: 'progress', ...u, bytesPerSecond: Math.round(rate(u.bytes)) });
    },
    done: (result) => void line({ event: 'done', result }),
    stop: () => {},
  };
}

/** What the bar fills with: bytes when their total is known, else items; none without a total. */
function measure(u: ProgressUpdate): { value: number; total: number } | undefined {
  // An estimated total can fall short: the bar then just stays full.
  if (u.totalBytes) return { value: u.bytes, total: Math.max(u.totalBytes, u.bytes, 1) };
  if (u.totalItems) return { value: u.items, total: Math.max(u.totalItems, u.items, 1) };
  return undefined;
}

function barReporter(opts: ProgressOptions, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream, rate: (bytes: number) => number, Bar: typeof SingleBar): ProgressReporter {
  const figures = `{items} ${opts.unit} | {done} | {rate}/s`;
  let bar: SingleBar | undefined;
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    update: (u) => {
      const of = measure(u);
      const payload = { items: u.items.toLocaleString('en'), done: formatBytes(u.bytes) + (u.totalBytes ? ` of ${formatBytes(Math.max(u.totalBytes, u.bytes))}` : ''), rate: formatBytes(Math.round(rate(u.bytes))) };
      if (!bar) {
        const format = of ? `${opts.label} [{bar}] {percentage}% | ${figures} | {eta_formatted} left` : `${opts.label} | ${figures}`;
        bar = new Bar({ stream: stderr, format, hideCursor: true, barsize: 24 });
        bar.start(of?.total ?? 1, of?.value ?? 0, payload);
        return;
      }
      if (of) bar.setTotal(of.total);
      bar.update(of?.value ?? 0, payload);
    },
    done: (_result, human) => {
      stop();
      stdout.write(`${human}\n`);
    },
    stop,
  };
}

function describe(u: ProgressUpdate, unit: string, seconds: number): string {
  const parts = [
    `${u.items.toLocaleString('en')}${u.totalItems ? ` of ${u.totalItems.toLocaleString('en')}` : ''} ${unit}`,
    `${formatBytes(u.bytes)}${u.totalBytes ? ` of ~${formatBytes(u.totalBytes)}` : ''}`,
    `${formatBytes(Math.round(u.bytes / seconds))}/s`,
  ];
  const of = measure(u);
  if (of && of.value > 0 && of.total > of.value) parts.push(`about ${Math.ceil((seconds * (of.total - of.value)) / of.value)} s left`);
  return parts.join(', ');
}
