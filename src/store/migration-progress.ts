/** Where a migration is, for the progress line of `serve` and the bar of `store migrate`. */
export interface MigrationProgress {
  /** The layout the store had, and the one it is brought to. */
  from: number;
  to: number;
  /** The step's number among those this store runs (1-based), their count, its id and title. */
  step: number;
  steps: number;
  id: string;
  title: string;
  done: number;
  total: number;
  unit: string;
}

export type MigrationSink = (progress: MigrationProgress) => void;

export const migrationLine = (p: MigrationProgress): string =>
  `migrating store: step ${p.step}/${p.steps} (${p.title}), ${p.done.toLocaleString('en')}/${p.total.toLocaleString('en')} ${p.unit}`;

/** A line this many units or this long after the last one (and at each step's start and end). */
const LINE_EVERY_UNITS = 1000;
const LINE_EVERY_MS = 10_000;

/**
 * Progress as lines, for a log or a pipe: at each step's start and end, and in between
 * every 1,000 units or 10 seconds, so a large store says it is alive without a line per batch.
 */
export function migrationLines(write: (line: string, progress: MigrationProgress) => void): MigrationSink {
  let last = { id: '', done: 0, at: 0 };
  return (p) => {
    if (p.id === last.id && p.done === last.done) return;
    const edge = p.id !== last.id || p.done >= p.total;
    if (!edge && p.done - last.done < LINE_EVERY_UNITS && Date.now() - last.at < LINE_EVERY_MS) return;
    last = { id: p.id, done: p.done, at: Date.now() };
    write(migrationLine(p), p);
  };
}
