import type { TestHandler } from './run.ts';

/** RFC 7352 default and longest tracking periods. */
const DEFAULT_SECONDS = 12 * 3600;
const MAX_SECONDS = 7 * 86400;

/**
 * RFC 7352 duplicate: whether the message's id (Message-ID, another header field, or
 * :uniqueid) was seen within the period. The id is remembered only once the run's
 * actions are done, so a failed delivery does not count as seen.
 */
export const duplicateTests: Record<string, TestHandler> = {
  duplicate: async (run, t) => {
    const uniqueid = run.tagString(t, 'uniqueid');
    const header = run.tagString(t, 'header') ?? 'message-id';
    const id = uniqueid ?? run.message.values(header)[0];
    if (id === undefined || id === '') return false;
    const key = `${run.tagString(t, 'handle') ?? ''}\u0000${uniqueid === null ? header.toLowerCase() : ':uniqueid'}\u0000${id}`;
    const given = t.tags.get('seconds');
    const seconds = Math.min(given ? run.num(given.value) : DEFAULT_SECONDS, MAX_SECONDS);
    const seen = await run.env.store.hasSieveMark(run.env.account.id, 'duplicate', key, run.env.now);
    if (!seen || t.tags.has('last')) run.state.marks.push({ key, until: run.env.now + seconds * 1000 });
    return seen;
  },
};
