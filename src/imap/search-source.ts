/**
 * MULTISEARCH source options (RFC 7377 2, filters from RFC 5465 6):
 * `IN (filter *(SP filter))`, and which of an account's mailboxes they name. Pure.
 */
import type { Mailbox } from '../store/types.ts';
import { mailboxText, normalize, SEPARATOR } from './mailbox-name.ts';
import { ParseError, type Parser } from './parser.ts';

export type SourceFilter =
  | { type: 'selected' | 'inboxes' | 'personal' | 'subscribed' }
  | { type: 'subtree' | 'subtree-one' | 'mailboxes'; names: string[] };

/** Mailbox names one command may list: a long list is a scan of the account, not a search scope. */
export const MAX_SOURCE_NAMES = 1000;

/** `"(" filter *(SP filter) [SP "(" scope-options ")"] ")"` after `IN `; no scope option is defined, so none is taken. */
export function parseSources(p: Parser): SourceFilter[] {
  const filters = p.list(() => parseFilter(p), false);
  if (namesIn(filters) > MAX_SOURCE_NAMES) throw new ParseError(`at most ${MAX_SOURCE_NAMES} mailbox names in one command`);
  return filters;
}

/** How many mailbox names the filters list: each is compared with every mailbox of the account. */
export const namesIn = (filters: readonly SourceFilter[]): number => filters.reduce((n, f) => n + ('names' in f ? f.names.length : 0), 0);

/** One filter-mailboxes (RFC 5465 6), shared with NOTIFY; `selected-delayed` is told apart by `delayed`. */
export function parseFilter(p: Parser): SourceFilter & { delayed?: boolean } {
  const name = p.atom().toLowerCase();
  switch (name) {
    case 'selected':
    case 'selected-delayed':
      return { type: 'selected', delayed: name === 'selected-delayed' };
    case 'inboxes':
    case 'personal':
    case 'subscribed':
      return { type: name };
    case 'subtree':
    case 'subtree-one':
    case 'mailboxes': {
      p.sp();
      const names = p.peek() === 0x28 ? p.list(() => mailboxName(p), false) : [mailboxName(p)];
      if (names.length > MAX_SOURCE_NAMES) throw new ParseError(`at most ${MAX_SOURCE_NAMES} mailboxes in one filter`);
      return { type: name, names };
    }
    default:
      throw new ParseError(`unknown mailbox filter ${name}`);
  }
}

const mailboxName = (p: Parser): string => normalize(mailboxText(p, p.astring()));

/**
 * The mailboxes the filters name, each once, in the account's order; names that
 * do not exist are left out (RFC 7377 2). `selected` names the selected mailbox.
 */
export function sourceMailboxes(filters: readonly SourceFilter[], all: readonly Mailbox[], selected: number | null): Mailbox[] {
  const wanted = (m: Mailbox): boolean =>
    filters.some((f) => {
      switch (f.type) {
        case 'selected':
          return m.id === selected;
        case 'inboxes':
          return m.name === 'INBOX';
        case 'personal':
          return true;
        case 'subscribed':
          return m.subscribed;
        case 'mailboxes':
          return f.names.includes(m.name);
        case 'subtree':
          return f.names.some((n) => m.name === n || m.name.startsWith(n + SEPARATOR));
        case 'subtree-one':
          return f.names.some((n) => m.name === n || (m.name.startsWith(n + SEPARATOR) && !m.name.slice(n.length + 1).includes(SEPARATOR)));
      }
    });
  return all.filter(wanted);
}

/** Whether the filters name nothing but the selected mailbox: only then may the result be saved as `$` (RFC 7377 2). */
export const onlySelected = (filters: readonly SourceFilter[]): boolean => filters.every((f) => f.type === 'selected');
