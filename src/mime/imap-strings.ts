/**
 * The string normalizations Dovecot applies when it writes header text into
 * ENVELOPE and BODYSTRUCTURE (lib-imap imap-quote), applied here once at index
 * time so the stored values are the exact bytes to send. Strings are latin1.
 */

/** Header text is a C string in Dovecot: it ends at the first NUL. */
export function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

/** CR and LF removed (unfolded header values keep them otherwise). */
export function noLf(s: string): string {
  return /[\r\n]/.test(s) ? s.replace(/[\r\n]/g, '') : s;
}

/**
 * Text for people (subjects, display names): CR/LF dropped, tabs and runs of
 * spaces become one space, no leading or trailing space, NUL becomes 0x80.
 */
export function forHumans(s: string): string {
  let out = '';
  let lastSpace = true;
  let seenText = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 || c === 0x09) {
      if (!lastSpace) out += ' ';
      lastSpace = true;
    } else if (c === 0x0d || c === 0x0a) {
      continue;
    } else {
      out += c === 0 ? '\x80' : s[i];
      lastSpace = false;
      seenText = true;
    }
  }
  return lastSpace && seenText ? out.slice(0, -1) : out;
}
