import type { MultiBar, SingleBar } from 'cli-progress';
import { migrationLines, type MigrationProgress, type MigrationSink } from '../store/migration-progress.ts';

/** How `store migrate` shows a migration: a bar per step on a terminal, JSON lines with --json, else the log's lines. */
export interface MigrationDisplay {
  sink: MigrationSink;
  /** The layouts of the migration that ran, if one did. */
  readonly ran: { from: number; to: number } | null;
  stop(): void;
}

export async function migrationDisplay(opts: { json: boolean; stdout?: NodeJS.WriteStream; stderr?: NodeJS.WriteStream }): Promise<MigrationDisplay> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  let ran: MigrationDisplay['ran'] = null;
  // cli-progress only for a terminal: the server never draws a bar.
  const Bars = !opts.json && stderr.isTTY ? (await import('cli-progress')).MultiBar : null;
  let bars: MultiBar | undefined;
  let bar: SingleBar | undefined;
  let barStep = '';
  const show: MigrationSink =
    opts.json ? migrationLines((_line, p) => void stdout.write(JSON.stringify({ event: 'progress', ...p }) + '\n'))
    : Bars ? (p) => {
        // The title last: a terminal too narrow for the line cuts it, not the figures.
        bars ??= new Bars({ stream: stderr, format: 'migrating store: step {step}/{steps} [{bar}] {done}/{all} {unit}, {title}', barsize: 24, hideCursor: false });
        // A step with nothing to do shows a full bar.
        const total = Math.max(p.total, p.done);
        if (p.id !== barStep) {
          // Each step keeps its finished bar above the next one's.
          barStep = p.id;
          bar = bars.create(1, 0, payload(p));
        }
        bar!.setTotal(total || 1);
        bar!.update(total === 0 ? 1 : p.done, payload(p));
      }
    : migrationLines((line) => void stderr.write(`${line}\n`));
  return {
    sink: (p) => {
      ran = { from: p.from, to: p.to };
      show(p);
    },
    get ran() {
      return ran;
    },
    stop: () => bars?.stop(),
  };
}

const payload = (p: MigrationProgress) => ({ step: p.step, steps: p.steps, title: p.title, unit: p.unit, done: p.done.toLocaleString('en'), all: Math.max(p.total, p.done).toLocaleString('en') });
