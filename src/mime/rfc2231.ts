import { parseContentParam, type Scanner } from './rfc822.ts';

export interface Param { name: string; value: string }

interface Section { key: string; idx: number; extended: boolean; value: string }

/**
 * The `; key=value` parameters after a Content-Type/Disposition value, with
 * RFC 2231 continuations (key*0, key*1*, ...) merged the way Dovecot does:
 * the merged value stays percent-encoded under the name `key*` when any
 * section was extended; a set with missing sections is passed through as is.
 */
export function parseParams(p: Scanner): Param[] {
  const result: Param[] = [];
  const sections: Section[] = [];
  // Dovecot quirk: a bare `key*` reuses the index of the previous numbered section.
  let lastIdx = 0;
  for (;;) {
    const { ret, key, value } = parseContentParam(p);
    if (ret === 0) break;
    if (ret < 0 || key === null) {
      // Try to continue after the broken byte.
      if (p.pos >= p.s.length) break;
      p.pos++;
      continue;
    }
    const { section, idx } = splitSectionKey(key, value, lastIdx);
    lastIdx = idx;
    if (section) sections.push(section);
    else result.push({ name: key, value });
  }
  if (sections.length === 0) return result;

  sections.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.idx - b.idx));
  for (let i = 0; i < sections.length; ) {
    let j = i;
    let ok = true;
    let extended = false;
    const lower = sections[i]!.key.toLowerCase();
    for (let next = 0; j < sections.length && sections[j]!.key.toLowerCase() === lower; j++, next++) {
      if (sections[j]!.idx !== next) ok = false;
      if (sections[j]!.extended) extended = true;
    }
    const group = sections.slice(i, j);
    if (!ok) {
      for (const s of group) result.push({ name: `${s.key}*${s.idx}${s.extended ? '*' : ''}`, value: s.value });
    } else {
      let value = !group[0]!.extended && extended ? "''" : '';
      for (const s of group) value += !s.extended && extended ? s.value.replaceAll('%', '%25') : s.value;
      result.push({ name: extended ? `${group[0]!.key}*` : group[0]!.key, value });
    }
    i = j;
  }
  return result;
}

/** key*, key*N or key*N* as a section; anything else is a plain parameter. */
function splitSectionKey(key: string, value: string, lastIdx: number): { section: Section | null; idx: number } {
  const star = key.indexOf('*');
  if (star < 0) return { section: null, idx: lastIdx };
  let p = star;
  let idx = lastIdx;
  if (p + 1 < key.length) {
    p++;
    idx = 0;
    while (p < key.length && key[p]! >= '0' && key[p]! <= '9') idx = idx * 10 + key.charCodeAt(p++) - 48;
  }
  let extended = false;
  if (key[p] === '*') {
    extended = true;
    p++;
  }
  if (p < key.length) return { section: null, idx };
  return { section: { key: key.slice(0, star), idx, extended, value }, idx };
}
