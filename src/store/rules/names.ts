import { StoreError } from '../types.ts';

/** INBOX is case-insensitive (RFC 3501 5.1); every other name is kept as given. */
export const normalizeMailboxName = (name: string): string => (name.toUpperCase() === 'INBOX' ? 'INBOX' : name);

const MAX_MAILBOX_NAME = 1024;

/** A name a mailbox may take: not empty, bounded, no empty hierarchy level, no control characters. */
export function validateMailboxName(name: string): void {
  const problem =
    name.length === 0 ? 'is empty'
    : Buffer.byteLength(name) > MAX_MAILBOX_NAME ? `is longer than ${MAX_MAILBOX_NAME} bytes`
    : name.startsWith('/') || name.endsWith('/') || name.includes('//') ? 'has an empty hierarchy level'
    : /[\x00-\x1f\x7f]/.test(name) ? 'contains control characters'
    : null;
  if (problem) throw new StoreError('invalid', `mailbox name ${JSON.stringify(name)} ${problem}`);
}

/** Whether `name` is `parent` or lies below it in the hierarchy. */
export const isWithin = (name: string, parent: string): boolean => name === parent || name.startsWith(`${parent}/`);

/**
 * The new names of a rename: the mailbox and every child move together (RFC 3501 6.3.5).
 * Throws when the rename is not allowed or a new name is taken.
 */
export function renamePlan<M extends { name: string }>(all: readonly M[], from: string, to: string): { mailbox: M; newName: string }[] {
  validateMailboxName(to);
  if (from === 'INBOX' || to === 'INBOX') throw new StoreError('invalid', 'INBOX cannot be renamed here');
  const moving = all.filter((m) => isWithin(m.name, from));
  if (!moving.some((m) => m.name === from)) throw new StoreError('not-found', `no such mailbox: ${from}`);
  if (isWithin(to, from)) throw new StoreError('invalid', `cannot rename ${from} into itself`);
  const taken = new Set(all.map((m) => m.name));
  return moving.map((mailbox) => {
    const newName = to + mailbox.name.slice(from.length);
    if (taken.has(newName)) throw new StoreError('exists', `mailbox ${newName} already exists`);
    return { mailbox, newName };
  });
}

/** Deleting: INBOX never; one with children only with `keepChildren` (they stay, RFC 3501 6.3.4). */
export function checkDeletable(all: readonly { name: string }[], name: string, keepChildren: boolean): void {
  if (name === 'INBOX') throw new StoreError('invalid', 'INBOX cannot be deleted');
  if (!all.some((m) => m.name === name)) throw new StoreError('not-found', `no such mailbox: ${name}`);
  if (!keepChildren && all.some((m) => m.name.startsWith(`${name}/`))) {
    throw new StoreError('conflict', `mailbox ${name} has children; delete them first`);
  }
}
