import type { BatchOp } from '../commit-queue.ts';
import type { LevelCore } from '../core.ts';

/** What one call of a step did: the writes of one bounded batch and where the next one starts. */
export interface MigrationBatch {
  ops: BatchOp[];
  /** Units (mailboxes, bodies...) this batch covered, for the progress line. */
  count: number;
  /** The last key handled, where the next batch starts; null when the step is done. */
  cursor: string | null;
}

/**
 * One step of bringing an older store to LAYOUT_VERSION (docs/architecture.md,
 * "Layout version and migration"). The runner commits each batch's writes together
 * with the step's new position, in one synced batch, so a step killed at any instant
 * resumes after its last committed batch; a batch must therefore be bounded (a few
 * hundred records, a few MB) and must not depend on anything held in memory between calls.
 */
export interface MigrationStep {
  /** Recorded in `meta/migration` while the step runs: never renamed once released. */
  readonly id: string;
  /** The layout this step is part of: it runs for stores below it. */
  readonly layout: number;
  /** What the progress line says the step does. */
  readonly title: string;
  /** What `count` counts: "mailboxes", "bodies". */
  readonly unit: string;
  /** How many units there are (an estimate is fine: the progress line never shows more done than that). */
  total(core: LevelCore): Promise<number>;
  /** The batch after `cursor` (null: the step's start). */
  next(core: LevelCore, cursor: string | null): Promise<MigrationBatch>;
}
