import { normalize, parentsOf, SEPARATOR } from './mailbox-name.ts';

/**
 * LIST's reference and mailbox pattern (RFC 3501 6.3.8) as a test on names:
 * `*` matches anything, `%` anything but the separator. The two are joined as
 * given; INBOX matches in any case.
 */
export function patternMatcher(reference: string, pattern: string): (name: string) => boolean {
  const joined = normalize(reference + pattern);
  const source = [...joined]
    .map((ch) => (ch === '*' ? '.*' : ch === '%' ? `[^${SEPARATOR}]*` : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  const regex = new RegExp(`^${source}$`, 's');
  return (name) => regex.test(name);
}

export interface ListEntry {
  name: string;
  /** Implied by a child but not a mailbox itself: listed as \Noselect (\NonExistent under IMAP4rev2). */
  exists: boolean;
  hasChildren: boolean;
}

/** The mailboxes, plus the parents that only their children imply, sorted with INBOX first. */
export function hierarchy(names: string[]): ListEntry[] {
  const existing = new Set(names);
  const all = new Set(names);
  const parents = new Set<string>();
  for (const name of names) {
    for (const parent of parentsOf(name)) {
      all.add(parent);
      parents.add(parent);
    }
  }
  return [...all].map((name) => ({ name, exists: existing.has(name), hasChildren: parents.has(name) })).sort((a, b) => byListOrder(a.name, b.name));
}

/** INBOX first, then by name. */
export function byListOrder(a: string, b: string): number {
  return a === 'INBOX' ? -1 : b === 'INBOX' ? 1 : a < b ? -1 : a > b ? 1 : 0;
}
