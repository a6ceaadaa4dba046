/**
 * RFC 5256 section 2.1 base subject, for SORT SUBJECT and THREAD: the subject
 * without reply/forward markers, [blob] prefixes and "(fwd)" trailers, so that
 * "Re: [list] Fwd: Hello (fwd)" and "hello" sort and thread together.
 * The input is the decoded subject; the result is compared with i;unicode-casemap,
 * so it is also whitespace-normalized here.
 */

const BLOB = /^\[[^[\]]*\]\s*/;
const REFWD = /^(?:re|fwd?)\s*(?:\[[^[\]]*\]\s*)*:\s*/i;

export function baseSubject(subject: string): string {
  // (1) whitespace runs to one space
  let s = subject.replace(/[\s]+/g, ' ').trim();
  for (;;) {
    // (2) trailing "(fwd)" and whitespace, repeatedly
    let changed = true;
    while (changed) {
      changed = false;
      const t = s.replace(/\s+$/, '');
      if (t.toLowerCase().endsWith('(fwd)')) {
        s = t.slice(0, -5).replace(/\s+$/, '');
        changed = true;
      } else s = t;
    }
    // (3)-(5) leading "re:", "fwd:", "[blob]" prefixes, repeatedly; a blob is only removed if text remains
    let again = true;
    while (again) {
      again = false;
      const refwd = REFWD.exec(s);
      if (refwd) {
        s = s.slice(refwd[0].length);
        again = true;
        continue;
      }
      const blob = BLOB.exec(s);
      if (blob && blob[0].length < s.length) {
        s = s.slice(blob[0].length);
        again = true;
      }
    }
    // (6) "[fwd: ... ]" wrapper
    if (/^\[fwd:/i.test(s) && s.endsWith(']')) {
      s = s.slice(5, -1).trim();
      continue;
    }
    return s;
  }
}
