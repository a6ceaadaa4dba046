/**
 * Maildir's info suffix `:2,FLAGS` (Dovecot, Courier; `;` or `!` instead of `:` on
 * file systems without colons): letters in ASCII order, a-z for keywords named in the
 * folder's `dovecot-keywords` file.
 */
const LETTERS: Record<string, string> = { D: '\\Draft', F: '\\Flagged', P: '$Forwarded', R: '\\Answered', S: '\\Seen', T: '\\Deleted' };
/** Written back for system flags only: Dovecot keeps $Forwarded as a keyword letter, not P (mutt's "passed"). */
const BY_FLAG = new Map(Object.entries(LETTERS).filter(([letter]) => letter !== 'P').map(([letter, flag]) => [flag.toLowerCase(), letter]));
const INFO = /[:;!]2,([A-Za-z]*)$/;
export const MAX_KEYWORD_LETTERS = 26;

/** The unique part of a file name (what stays when flags change) and its flags. */
export function parseMaildirName(name: string, keywords: string[]): { base: string; flags: string[] } {
  const info = INFO.exec(name);
  if (!info) return { base: name.replace(/[:;!]2,.*$/, ''), flags: [] };
  const flags: string[] = [];
  for (const c of info[1]!) {
    if (LETTERS[c]) flags.push(LETTERS[c]);
    else if (c >= 'a' && c <= 'z' && keywords[c.charCodeAt(0) - 97]) flags.push(keywords[c.charCodeAt(0) - 97]!);
  }
  return { base: name.slice(0, info.index), flags };
}

/** `dovecot-keywords`: lines of `N keyword`, N from 0 (letter a) to 25 (z). */
export function parseDovecotKeywords(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{1,2}) (\S+)$/.exec(line.trimEnd());
    if (m && Number(m[1]) < MAX_KEYWORD_LETTERS) out[Number(m[1])] = m[2]!;
  }
  return out;
}

export function formatDovecotKeywords(keywords: string[]): string {
  return keywords.map((k, i) => `${i} ${k}\n`).join('');
}

/**
 * The info suffix for `flags`; keywords get letters from `keywords`, which grows as
 * new ones come (at most 26: the rest are returned as `lost`).
 */
export function maildirInfo(flags: string[], keywords: string[]): { info: string; lost: string[] } {
  const letters: string[] = [];
  const lost: string[] = [];
  for (const flag of flags) {
    const system = BY_FLAG.get(flag.toLowerCase());
    if (system) {
      letters.push(system);
      continue;
    }
    if (flag.startsWith('\\')) continue;
    let index = keywords.findIndex((k) => k.toLowerCase() === flag.toLowerCase());
    if (index === -1 && keywords.length < MAX_KEYWORD_LETTERS) index = keywords.push(flag) - 1;
    if (index === -1) lost.push(flag);
    else letters.push(String.fromCharCode(97 + index));
  }
  return { info: `:2,${[...new Set(letters)].sort().join('')}`, lost };
}
