/**
 * RFC 5228 2.4.2.4 (encoded-character): `${hex:41 42}` and `${unicode:1F600}` in strings.
 * A malformed encoding is left as written, as the RFC asks; an invalid code point is an error.
 */
export function decodeEncodedCharacters(text: string): string {
  if (!text.includes('${')) return text;
  return text.replace(/\$\{(hex|unicode):([\s0-9A-Fa-f]*)\}/gi, (whole, kind: string, body: string) => {
    const units = body.trim().split(/\s+/).filter(Boolean);
    if (units.length === 0) return '';
    if (kind.toLowerCase() === 'hex') {
      const bytes = Buffer.from(units.map((u) => parseInt(u, 16)));
      if (units.some((u) => u.length > 2)) return whole;
      return bytes.toString('utf8');
    }
    return units
      .map((u) => {
        const cp = parseInt(u, 16);
        if (u.length > 6 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw new Error(`invalid unicode character \${unicode:${u}}`);
        return String.fromCodePoint(cp);
      })
      .join('');
  });
}
