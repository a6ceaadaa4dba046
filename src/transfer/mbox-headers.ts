/**
 * The header fields mutt, Dovecot and other mbox writers keep a message's state in:
 * Status (R seen, O old), X-Status (A answered, F flagged, T draft, D deleted) and
 * X-Keywords. They are read into flags and left out of the imported message, as
 * Dovecot does, so that an export followed by an import gives the same bytes.
 */
const STATE_FIELDS = new Set(['status', 'x-status', 'x-keywords', 'x-uid', 'x-imap', 'x-imapbase']);
const X_STATUS: Record<string, string> = { A: '\\Answered', F: '\\Flagged', T: '\\Draft', D: '\\Deleted' };

/** Splits a header block (lines ending in `\n`) at its fields, continuations kept with their field. */
function fields(header: string): string[] {
  const out: string[] = [];
  for (const line of header.split(/(?<=\n)/)) {
    if ((line.startsWith(' ') || line.startsWith('\t')) && out.length > 0) out[out.length - 1] += line;
    else out.push(line);
  }
  return out;
}

/** The flags the state fields of `header` give, and the header without them. */
export function readStateFields(header: string): { flags: string[]; header: string } {
  const flags: string[] = [];
  const kept: string[] = [];
  for (const field of fields(header)) {
    const colon = field.indexOf(':');
    const name = colon > 0 ? field.slice(0, colon).trim().toLowerCase() : '';
    if (!STATE_FIELDS.has(name)) {
      kept.push(field);
      continue;
    }
    const value = field.slice(colon + 1).trim();
    if (name === 'status' && value.includes('R')) flags.push('\\Seen');
    if (name === 'x-status') for (const c of value) if (X_STATUS[c]) flags.push(X_STATUS[c]);
    if (name === 'x-keywords') flags.push(...value.split(/[\s,]+/).filter(Boolean));
  }
  return { flags, header: kept.join('') };
}

/** The state fields for `flags`, in the order mutt writes them. */
export function writeStateFields(flags: string[]): string {
  const status = flags.includes('\\Seen') ? 'RO' : 'O';
  const xStatus = Object.entries(X_STATUS).filter(([, flag]) => flags.includes(flag)).map(([c]) => c).join('');
  const keywords = flags.filter((f) => !f.startsWith('\\'));
  return `Status: ${status}\n` + (xStatus ? `X-Status: ${xStatus}\n` : '') + (keywords.length ? `X-Keywords: ${keywords.join(' ')}\n` : '');
}
