import { SingleBar } from 'cli-progress';
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
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

/** Plain lines in a log come this far apart; JSON lines more often, for scripts that draw their own bar. */
const LINE_EVERY_MS = 10_000;
const JSON_EVERY_MS = 1_000;

/**
 * A bar on a terminal (items, bytes, rate, time left), a plain line every ten seconds
 * in a log, or with --json one JSON object per line on stdout, the result last.
 */
export function progressReporter(opts: ProgressOptions): ProgressReporter {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const started = Date.now();
  const rate = (bytes: number) => bytes / Math.max((Date.now() - started) / 1000, 0.001);
  if (opts.json) return jsonReporter(stdout, rate);
  if (stderr.isTTY) return barReporter(opts, stdout, stderr, rate);
  let lastLine = started;
  return {
    update: (u) => {
      if (Date.now() - lastLine < LINE_EVERY_MS) return;
      lastLine = Date.now();
      stderr.write(`${opts.label}: ${describe(u, opts.unit, rate(u.bytes))}\n`);
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

function barReporter(opts: ProgressOptions, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream, rate: (bytes: number) => number): ProgressReporter {
  const bar = new SingleBar({
    stream: stderr,
    format: `${opts.label} [{bar}] {percentage}% | {items} ${opts.unit} | {done} of {all} | {rate}/s | {eta_formatted} left`,
    hideCursor: true,
    barsize: 24,
  });
  let started = false;
  const stop = () => {
    if (started) bar.stop();
    started = false;
  };
  return {
    update: (u) => {
      // An estimated total can fall short: the bar then just stays full.
      const total = Math.max(u.totalBytes ?? 0, u.bytes, 1);
      const payload = { items: u.items.toLocaleString('en'), done: formatBytes(u.bytes), all: formatBytes(total), rate: formatBytes(Math.round(rate(u.bytes))) };
      if (!started) bar.start(total, u.bytes, payload);
      else {
        bar.setTotal(total);
        bar.update(u.bytes, payload);
      }
      started = true;
    },
    done: (_result, human) => {
      stop();
      stdout.write(`${human}\n`);
    },
    stop,
  };
}

function describe(u: ProgressUpdate, unit: string, bytesPerSecond: number): string {
  const parts = [`${u.items.toLocaleString('en')} ${unit}`, `${formatBytes(u.bytes)}${u.totalBytes ? ` of ~${formatBytes(u.totalBytes)}` : ''}`, `${formatBytes(Math.round(bytesPerSecond))}/s`];
  if (u.totalBytes && u.totalBytes > u.bytes && bytesPerSecond > 0) parts.push(`about ${Math.ceil((u.totalBytes - u.bytes) / bytesPerSecond)} s left`);
  return parts.join(', ');
}
