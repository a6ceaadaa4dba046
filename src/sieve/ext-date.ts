import { parseDate } from '../mime/date.ts';
import type { SieveTest } from './ast.ts';
import { pick } from './message.ts';
import type { ScriptRun, TestHandler } from './run.ts';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Days from the Modified Julian Day epoch (1858-11-17) to the Unix epoch. */
const MJD_UNIX = 40587;

/** RFC 5260: date (of a header field) and currentdate, with :zone and :originalzone. */
export const dateTests: Record<string, TestHandler> = {
  date: (run, t) => {
    const index = run.index(t);
    let values = run.message.values(run.str(t.positional[0]));
    if (index) values = pick(values, index);
    const value = values[0];
    const when = value === undefined ? null : parseDate(value);
    if (when === null) return false;
    const zone = t.tags.has('originalzone') ? originalZone(value!) : zoneOf(run, t);
    return run.match(t, [datePart(when, zone, run.str(t.positional[1]))], run.list(t.positional[2]));
  },
  currentdate: (run, t) => run.match(t, [datePart(run.env.now, zoneOf(run, t), run.str(t.positional[0]))], run.list(t.positional[1])),
};

/** The :zone offset in minutes, else the server's local zone (RFC 5260 4.1). */
function zoneOf(run: ScriptRun, t: SieveTest): number {
  const zone = run.tagString(t, 'zone');
  const parsed = zone === null ? null : parseZone(zone);
  return parsed ?? -new Date(run.env.now).getTimezoneOffset();
}

function parseZone(text: string): number | null {
  const m = /^([+-])(\d\d)(\d\d)$/.exec(text.trim());
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : null;
}

function originalZone(value: string): number {
  const m = /([+-]\d{4})\s*(?:\(.*\))?\s*$/.exec(value);
  return (m && parseZone(m[1]!)) ?? 0;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function datePart(epochMs: number, zoneMinutes: number, part: string): string {
  const d = new Date(epochMs + zoneMinutes * 60_000);
  const sign = zoneMinutes < 0 ? '-' : '+';
  const zone = `${sign}${pad(Math.floor(Math.abs(zoneMinutes) / 60))}${pad(Math.abs(zoneMinutes) % 60)}`;
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  switch (part.toLowerCase()) {
    case 'year': return pad(d.getUTCFullYear(), 4);
    case 'month': return pad(d.getUTCMonth() + 1);
    case 'day': return pad(d.getUTCDate());
    case 'date': return date;
    case 'julian': return String(Math.floor((epochMs + zoneMinutes * 60_000) / 86_400_000) + MJD_UNIX);
    case 'hour': return pad(d.getUTCHours());
    case 'minute': return pad(d.getUTCMinutes());
    case 'second': return pad(d.getUTCSeconds());
    case 'time': return time;
    case 'iso8601': return `${date}T${time}${zone.slice(0, 3)}:${zone.slice(3)}`;
    case 'std11': return `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${time} ${zone}`;
    case 'zone': return zone;
    case 'weekday': return String(d.getUTCDay());
    default: return '';
  }
}
