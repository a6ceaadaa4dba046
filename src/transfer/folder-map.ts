import type { SpecialUse } from '../store/types.ts';
import type { SourceFolder } from './source.ts';

/** Names other servers and clients give the special folders, for sources that do not say (Maildir, mbox). */
const BY_NAME: Record<string, SpecialUse> = {
  sent: '\\Sent', 'sent messages': '\\Sent', 'sent items': '\\Sent', 'sent mail': '\\Sent',
  drafts: '\\Drafts',
  trash: '\\Trash', 'deleted messages': '\\Trash', 'deleted items': '\\Trash',
  junk: '\\Junk', spam: '\\Junk', 'junk e-mail': '\\Junk',
  archive: '\\Archive', archives: '\\Archive',
};

export interface FolderTarget {
  name: string;
  specialUse: SpecialUse | null;
}

/** A source's hierarchy level as one of ours: no `/` (our separator), no control characters. */
const level = (name: string): string => name.replace(/[\x00-\x1f\x7f]/g, '').replace(/\//g, '_') || '_';

/**
 * Where a source folder goes: the inbox to INBOX, special folders to the account's
 * own (by special use, or by a well-known name), the rest by name with `/` between
 * levels. Under `root` (--mailbox) everything keeps its source name below it.
 */
export function targetFor(folder: SourceFolder, root?: string): FolderTarget {
  const isInbox = folder.path.length === 0 || (folder.path.length === 1 && folder.path[0]!.toUpperCase() === 'INBOX');
  if (root !== undefined) return { name: isInbox ? root : [root, ...folder.path.map(level)].join('/'), specialUse: null };
  if (isInbox) return { name: 'INBOX', specialUse: null };
  const name = folder.path.map(level).join('/');
  const specialUse = folder.specialUse ?? (folder.path.length === 1 ? BY_NAME[folder.path[0]!.toLowerCase()] ?? null : null);
  return { name, specialUse };
}
