/**
 * HTML to plain text for search and preview: drops tags, comments, scripts and
 * styles, decodes common entities. A single left-to-right scan (no regex
 * backtracking), so it is linear in the input.
 */

const NAMED: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®',
  hellip: '…', mdash: '—', ndash: '–', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”',
  euro: '€', laquo: '«', raquo: '»', middot: '·', bull: '•', trade: '™',
};

/** Tags whose content is not text. */
const SKIP_CONTENT = ['script', 'style', 'head', 'title'];

/** Tags that separate blocks of text. */
const BLOCK = new Set(['p', 'div', 'br', 'li', 'tr', 'td', 'th', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'table', 'ul', 'ol', 'hr']);

function decodeEntity(entity: string): string | null {
  if (entity.startsWith('#')) {
    const code = entity[1] === 'x' || entity[1] === 'X' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    return Number.isInteger(code) && code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : null;
  }
  return NAMED[entity.toLowerCase()] ?? null;
}

export function htmlToText(html: string): string {
  const out: string[] = [];
  const lower = html.toLowerCase();
  let i = 0;
  while (i < html.length) {
    const c = html[i];
    if (c === '<') {
      if (html.startsWith('<!--', i)) {
        const end = html.indexOf('-->', i + 4);
        i = end < 0 ? html.length : end + 3;
        continue;
      }
      const end = html.indexOf('>', i + 1);
      if (end < 0) break;
      const tag = lower.slice(i + 1, Math.min(end, i + 16));
      const name = /^\/?([a-z0-9]*)/.exec(tag)![1]!;
      i = end + 1;
      if (!tag.startsWith('/') && SKIP_CONTENT.includes(name) && lower[end - 1] !== '/') {
        const close = lower.indexOf(`</${name}`, i);
        i = close < 0 ? html.length : close;
      }
      // Inline tags join their text ("W<b>or</b>d"); block tags separate it.
      if (BLOCK.has(name)) out.push('\n');
      continue;
    }
    if (c === '&') {
      const semi = html.slice(i + 1, i + 12).indexOf(';');
      if (semi > 0) {
        const decoded = decodeEntity(html.slice(i + 1, i + 1 + semi));
        if (decoded !== null) {
          out.push(decoded);
          i += semi + 2;
          continue;
        }
      }
    }
    let stop = i + 1;
    while (stop < html.length && html[stop] !== '<' && html[stop] !== '&') stop++;
    out.push(html.slice(i, stop));
    i = stop;
  }
  return out.join('');
}
