/**
 * The simple filter rules of the account page ("from contains X: move to folder"), as a
 * Sieve script: pure, so the page and its tests make the same script from the same rules.
 * The rules travel inside the script as one JSON comment line, so the page reads back
 * exactly what it wrote; like the vacation script, it then includes the user's own
 * active script (RFC 6609), so that their filters keep working.
 */

/** The script's name; a user's own scripts keep theirs. */
export const FILTERS_SCRIPT = 'mailfold-filters';

export type FilterField = 'from' | 'to' | 'subject' | 'list-id';
export const FILTER_FIELDS: FilterField[] = ['from', 'to', 'subject', 'list-id'];

export interface FilterRule {
  field: FilterField;
  /** Matched as a substring, case-insensitively (RFC 4790 i;ascii-casemap, Sieve's default). */
  contains: string;
  folder: string;
  markRead: boolean;
}

export interface FilterSettings {
  rules: FilterRule[];
  /** The user's script that runs as well, after the rules. */
  include?: string;
}

export const MAX_FILTER_RULES = 50;
const MAX_TEXT = 200;
const MARK = '# mailfold-filter-rules ';

/** Why the rules cannot make a script, or null when they can. */
export function filterProblem(rules: FilterRule[]): string | null {
  if (rules.length > MAX_FILTER_RULES) return `at most ${MAX_FILTER_RULES} rules`;
  for (const [i, r] of rules.entries()) {
    const n = `rule ${i + 1}`;
    if (!FILTER_FIELDS.includes(r.field)) return `${n}: the field is one of ${FILTER_FIELDS.join(', ')}`;
    if (r.contains.trim() === '') return `${n}: the text to look for is empty`;
    if (r.folder.trim() === '') return `${n}: the folder is empty`;
    if (r.contains.length > MAX_TEXT || r.folder.length > MAX_TEXT) return `${n}: at most ${MAX_TEXT} characters per field`;
    if (!r.contains.isWellFormed() || !r.folder.isWellFormed()) return `${n}: the text is not valid Unicode`;
    // fileinto refuses such a mailbox name when the script runs (core.ts); say so now instead.
    if (/[\u0000-\u001f\u007f]/.test(r.folder)) return `${n}: a folder name has no control characters or line breaks`;
  }
  return null;
}

/** A Sieve quoted string (RFC 5228 2.4.2): only `"` and `\` are escaped. */
const quoted = (text: string): string => `"${text.replace(/\r?\n/g, '\r\n').replace(/["\\]/g, '\\$&')}"`;

const TESTS: Record<FilterField, string> = {
  from: 'address :all :contains "from"',
  to: 'address :all :contains ["to", "cc"]',
  subject: 'header :contains "subject"',
  'list-id': 'header :contains "list-id"',
};

/** The script for the rules; filterProblem() first. */
export function filterScript(s: FilterSettings): string {
  const marks = s.rules.some((r) => r.markRead);
  const extensions = ['fileinto', 'mailbox', ...(marks ? ['imap4flags'] : []), ...(s.include ? ['include'] : [])];
  const lines = [
    '# Filter rules written by the Mailfold account page; edit them there, as this file is rewritten.',
    // JSON escapes every line break and control character, so the rules stay on this one comment line.
    MARK + JSON.stringify(s.rules),
    `require [${extensions.map(quoted).join(', ')}];`,
    ...s.rules.flatMap((r) => [
      `if ${TESTS[r.field]} ${quoted(r.contains)} {`,
      `  fileinto :create${r.markRead ? ' :flags "\\\\Seen"' : ''} ${quoted(r.folder)};`,
      '}',
    ]),
    ...(s.include ? [`include :personal :optional ${quoted(s.include)};`] : []),
  ];
  return lines.join('\r\n') + '\r\n';
}

const isRule = (r: unknown): r is FilterRule => {
  if (typeof r !== 'object' || r === null) return false;
  const o = r as Record<string, unknown>;
  return FILTER_FIELDS.includes(o.field as FilterField) && typeof o.contains === 'string' && typeof o.folder === 'string' && typeof o.markRead === 'boolean';
};

/** The rules a generated script holds, or null when the script is not one of ours. */
export function readFilterRules(script: string): FilterRule[] | null {
  const line = script.split(/\r?\n/).find((l) => l.startsWith(MARK));
  if (line === undefined) return null;
  try {
    const rules: unknown = JSON.parse(line.slice(MARK.length));
    return Array.isArray(rules) && rules.every(isRule) ? rules : null;
  } catch {
    return null;
  }
}
