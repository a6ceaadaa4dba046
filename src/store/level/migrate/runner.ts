import { StoreError } from '../../types.ts';
import type { BatchOp } from '../commit-queue.ts';
import { del, LAYOUT_VERSION, put, type LevelCore } from '../core.ts';
import { keys } from '../keys.ts';
import type { MigrationSink } from '../../migration-progress.ts';
import type { MigrationStep } from './step.ts';
import { MIGRATION_STEPS } from './steps.ts';

/** `meta/migration`: the step under way and where its next batch starts. */
interface Position {
  step: string;
  cursor: string | null;
  /** Units done in this step so far, so that a resumed run counts on from there. */
  done: number;
}

/** The layout a store was written in: `meta/version`, absent in stores of the first releases (layout 1). */
export async function storedLayout(core: LevelCore): Promise<number> {
  return (await core.get<number>(keys.version)) ?? 1;
}

/**
 * Brings the store to LAYOUT_VERSION in place, step by step, each step in bounded
 * batches. Every batch commits its writes with the new position (and, after a
 * layout's last step, the new `meta/version`) in one synced batch, so a run killed
 * at any instant resumes where it stopped and a store is never half of one layout
 * with the version of the next. Runs when the store opens, before any role serves it.
 */
export async function migrateStore(core: LevelCore, report: MigrationSink): Promise<void> {
  const from = await storedLayout(core);
  if (from > LAYOUT_VERSION) {
    throw new StoreError('invalid', `the store has layout ${from}, written by a newer Mailfold; this version reads layout ${LAYOUT_VERSION} and older`);
  }
  if (from === LAYOUT_VERSION) return;
  const todo = MIGRATION_STEPS.filter((s) => s.layout > from && s.layout <= LAYOUT_VERSION);
  if (todo.length === 0) return core.commit([put(keys.version, LAYOUT_VERSION)]);
  const position = await core.get<Position>(keys.migration);
  const start = position === null ? 0 : todo.findIndex((s) => s.id === position.step);
  if (start < 0) throw new StoreError('invalid', `the store's migration stopped in step ${position!.step}, which this version does not know; finish it with the version that started it`);
  for (let i = start; i < todo.length; i++) {
    const step = todo[i]!;
    const resumed = i === start && position !== null;
    let cursor = resumed ? position.cursor : null;
    let done = resumed ? position.done : 0;
    const total = await step.total(core);
    const progress = () => report({ from, to: LAYOUT_VERSION, step: i + 1, steps: todo.length, id: step.id, title: step.title, done, total: Math.max(total, done), unit: step.unit });
    progress();
    for (;;) {
      const batch = await step.next(core, cursor);
      done += batch.count;
      cursor = batch.cursor;
      const moveOn: BatchOp[] = cursor !== null ? [put(keys.migration, { step: step.id, cursor, done } satisfies Position)] : afterStep(todo, i);
      await core.commit([...batch.ops, ...moveOn]);
      progress();
      if (cursor === null) break;
    }
  }
}

/** The writes that end step `i`: the next step's start, the layout reached when it was a layout's last step, the end. */
function afterStep(todo: readonly MigrationStep[], i: number): BatchOp[] {
  const step = todo[i]!;
  const next = todo[i + 1];
  const ops: BatchOp[] = [];
  if (!next) ops.push(put(keys.version, LAYOUT_VERSION));
  else if (next.layout !== step.layout) ops.push(put(keys.version, step.layout));
  ops.push(next ? put(keys.migration, { step: next.id, cursor: null, done: 0 } satisfies Position) : del(keys.migration));
  return ops;
}
