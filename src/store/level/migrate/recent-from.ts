import type { Mailbox } from '../../types.ts';
import { decode } from '../codec.ts';
import { put } from '../core.ts';
import { keys } from '../keys.ts';
import { countKeys, entriesAfter, under } from './range.ts';
import type { MigrationStep } from './step.ts';

const MAILBOXES_PER_BATCH = 500;

/**
 * Layout 1 kept no \\Recent state: a mailbox without `recentFrom` would show every
 * message it holds as \\Recent to the first SELECT after the upgrade. The messages
 * stored before the upgrade were seen by the sessions of the old release, so the
 * mailbox's first recent UID becomes its UIDNEXT. No MODSEQ changes: \\Recent is
 * session state, not a stored flag.
 */
export const recentFromStep: MigrationStep = {
  id: 'recent-from',
  layout: 2,
  title: 'messages stored before the upgrade are not \\Recent',
  unit: 'mailboxes',
  total: (core) => countKeys(core, under(keys.mailboxPrefix)),
  async next(core, cursor) {
    const entries = await entriesAfter(core, under(keys.mailboxPrefix), cursor, MAILBOXES_PER_BATCH);
    const ops = entries
      .map(([, value]) => decode<Mailbox>(value))
      .filter((m) => m.recentFrom === undefined && m.uidNext > 1)
      .map((m) => put(keys.mailbox(m.id), { ...m, recentFrom: m.uidNext }));
    return { ops, count: entries.length, cursor: entries.length < MAILBOXES_PER_BATCH ? null : entries.at(-1)![0] };
  },
};
