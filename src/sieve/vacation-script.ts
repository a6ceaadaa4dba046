/**
 * The out-of-office script that `mailfold vacation` and the account page write: pure,
 * so both make the same script from the same settings. It replies with `vacation`
 * (RFC 5230) until the last day given (`currentdate`, RFC 5260), then includes the
 * user's own active script (RFC 6609), so that their filters keep working meanwhile.
 */

import { parseSieve } from './parse.ts';
import { strings } from './validate.ts';

/** The script's name; a user's own scripts keep theirs. */
export const VACATION_SCRIPT = 'mailfold-vacation';

export interface VacationSettings {
  subject: string;
  message: string;
  /** The last day of the absence, YYYY-MM-DD (the server's time zone); no replies after it. */
  until?: string;
  /** Days before the same sender is answered again (RFC 5230 :days); 7 when not given. */
  days?: number;
  /** The user's script that runs as well, as it did before vacation was turned on. */
  include?: string;
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Why the settings cannot make a script, or null when they can. */
export function vacationProblem(s: VacationSettings): string | null {
  if (s.subject.trim() === '') return 'the subject is empty';
  if (s.message.trim() === '') return 'the message is empty';
  if (s.until !== undefined) {
    const m = DAY.exec(s.until);
    const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
    if (!date || date.toISOString().slice(0, 10) !== s.until) return `the date ${JSON.stringify(s.until)} is not a day like 2026-12-31`;
  }
  // The interpreter answers a sender at most once a month whatever a script says (ext-vacation.ts).
  if (s.days !== undefined && (!Number.isInteger(s.days) || s.days < 1 || s.days > 30)) return 'days is a whole number from 1 to 30';
  return null;
}

/** A Sieve quoted string (RFC 5228 2.4.2): only `"` and `\` are escaped; line breaks stay as they are. */
const quoted = (text: string): string => `"${text.replace(/\r?\n/g, '\r\n').replace(/["\\]/g, '\\$&')}"`;

/** The script for the settings; vacationProblem() first, as a bad date would be written as given. */
export function vacationScript(s: VacationSettings): string {
  const extensions = ['vacation', ...(s.until ? ['date', 'relational'] : []), ...(s.include ? ['include'] : [])];
  const reply = `vacation :days ${s.days ?? 7} :subject ${quoted(s.subject)} ${quoted(s.message)};`;
  const lines = [
    '# Out-of-office reply written by Mailfold (mailfold vacation, or the account page).',
    ...(s.include ? ['# Turning vacation off makes the included script the active one again.'] : []),
    `require [${extensions.map(quoted).join(', ')}];`,
    ...(s.until ? [`if currentdate :value "le" "date" ${quoted(s.until)} {`, `  ${reply}`, '}'] : [reply]),
    // :optional: a script deleted meanwhile leaves the reply working rather than failing the run.
    ...(s.include ? [`include :personal :optional ${quoted(s.include)};`] : []),
  ];
  return lines.join('\r\n') + '\r\n';
}

const INCLUDE = /^include :personal :optional "((?:[^"\\]|\\.)*)";\r?$/m;

/** The user's script a generated vacation script includes, or null. */
export function includedScript(script: string): string | null {
  const m = INCLUDE.exec(script);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : null;
}

/** The settings a generated vacation script was made from (without its include), or null when it is not one. */
export function readVacation(script: string): Omit<VacationSettings, 'include'> | null {
  const parsed = parseSieve(script);
  if (!parsed.ok) return null;
  let until: string | undefined;
  let reply = parsed.script.commands.find((c) => c.name === 'vacation');
  const dated = parsed.script.commands.find((c) => c.name === 'if' && c.test?.name === 'currentdate');
  if (!reply && dated) {
    reply = dated.block?.find((c) => c.name === 'vacation');
    until = strings(dated.test!.positional.at(-1)!)[0];
  }
  const subject = reply?.tags.get('subject')?.value;
  const days = reply?.tags.get('days')?.value;
  const message = reply?.positional[0];
  if (!reply || subject?.kind !== 'string' || message?.kind !== 'string') return null;
  return {
    subject: subject.value,
    message: message.value.replace(/\r\n/g, '\n'),
    ...(until === undefined ? {} : { until }),
    ...(days?.kind === 'number' ? { days: days.value } : {}),
  };
}
