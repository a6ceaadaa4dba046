import { bodyRulesStep } from './body-rules.ts';
import { mailboxIndexStep } from './mailbox-index.ts';
import { recentFromStep } from './recent-from.ts';
import { searchIndexBuildStep, searchIndexClearStep } from './search-index.ts';
import type { MigrationStep } from './step.ts';

/**
 * Every migration step, in the order they run: a store below LAYOUT_VERSION runs those
 * of the layouts above its own. A new step is one file in this folder and one line
 * here; a step added after a release belongs to a new layout (raise LAYOUT_VERSION).
 */
export const MIGRATION_STEPS: readonly MigrationStep[] = [
  recentFromStep,
  mailboxIndexStep,
  bodyRulesStep,
  searchIndexClearStep,
  searchIndexBuildStep,
];
