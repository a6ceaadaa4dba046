import { keys, parseMessageKey } from '../keys.ts';
import { indexBuildBatch } from '../mailbox-index-build.ts';
import { countKeys, keysAfter, under } from './range.ts';
import type { MigrationStep } from './step.ts';

/** The first segment of the mailbox after `after` (null: the first mailbox), as a cursor; null when there is none. */
async function nextMailbox(core: Parameters<MigrationStep['next']>[0], after: string | null): Promise<string | null> {
  const [key] = await keysAfter(core, under(keys.mailboxPrefix), after, 1);
  return key === undefined ? null : keys.indexSegment(parseInt(key.slice(keys.mailboxPrefix.length), 16), 0);
}

/**
 * Layout 1 kept flags and MODSEQs in the message records only: every mailbox gets its
 * index (docs/architecture.md, "Mailbox index") built from them, as they are. A batch
 * is one batch of the builder: whole segments, about 1,024 messages of one mailbox.
 * The cursor is the key of the segment the next batch starts at, `mbi/<mailbox>/<segment>`,
 * so a mailbox of 100,000 messages takes about a hundred batches.
 */
export const mailboxIndexStep: MigrationStep = {
  id: 'mailbox-index',
  layout: 2,
  title: 'mailbox indexes of UIDs, MODSEQs and flags built',
  unit: 'mailboxes',
  total: (core) => countKeys(core, under(keys.mailboxPrefix)),
  async next(core, cursor) {
    const at = cursor ?? (await nextMailbox(core, null));
    if (at === null) return { ops: [], count: 0, cursor: null };
    // `mbi/<mailbox>/<segment>` splits as a message key does.
    const { mailboxId, uid: segment } = parseMessageKey(at);
    const batch = await indexBuildBatch(core, mailboxId, segment, 'as-recorded');
    if (batch.next !== null) return { ops: batch.ops, count: 0, cursor: keys.indexSegment(mailboxId, batch.next) };
    return { ops: batch.ops, count: 1, cursor: await nextMailbox(core, keys.mailbox(mailboxId)) };
  },
};
