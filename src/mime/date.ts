/**
 * RFC 5322 Date: header to ms since the epoch, lenient about day names,
 * two-digit years, missing seconds, comments and obsolete zone names.
 */

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = {
  ut: 0, utc: 0, gmt: 0, z: 0, edt: -4, est: -5, cdt: -5, cst: -6, mdt: -6, mst: -7, pdt: -7, pst: -8,
};

// Anchored, no nested quantifiers: matching is linear.
const DATE_RE = /^(?:[a-z]+\s*,?\s*)?(\d{1,2})[\s-]+([a-z]{3})[a-z]*[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([+-]\d{4}|[a-z]{1,5})?/i;

export function parseDate(value: string | null): number | null {
  if (value === null) return null;
  // Dates are short; a huge header is not one.
  const m = DATE_RE.exec(value.slice(0, 200).replace(/\([^)]*\)/g, ' ').trim());
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]!.toLowerCase());
  if (month < 0) return null;
  let year = Number(m[3]);
  if (m[3]!.length <= 2) year += year < 50 ? 2000 : 1900;
  else if (m[3]!.length === 3) year += 1900;
  const day = Number(m[1]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] ? Number(m[6]) : 0;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let offsetMinutes = 0;
  const zone = m[7];
  if (zone && (zone[0] === '+' || zone[0] === '-')) {
    const n = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5));
    offsetMinutes = zone[0] === '-' ? -n : n;
  } else if (zone) {
    offsetMinutes = (ZONES[zone.toLowerCase()] ?? 0) * 60;
  }
  return Date.UTC(year, month, day, hour, minute, second) - offsetMinutes * 60_000;
}
