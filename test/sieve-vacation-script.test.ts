import assert from 'node:assert/strict';
import test from 'node:test';
import { parseSieve } from '../src/sieve/parse.ts';
import { includedScript, vacationProblem, vacationScript, type VacationSettings } from '../src/sieve/vacation-script.ts';

const cases: VacationSettings[] = [
  { subject: 'Away', message: 'Back on Monday.' },
  { subject: 'Abwesend bis 3. Januar – "dringend"?', message: 'Zeile 1\nZeile 2 mit \\ und "Anführung"\r\n${nicht eine Variable}', until: '2027-01-03' },
  { subject: 'x', message: 'y', days: 1, include: 'my "filters" \\ 2' },
  { subject: 'x', message: 'y', until: '2026-12-31', days: 30, include: 'roundcube' },
];

test('every generated vacation script parses, with the extensions it uses required and nothing else', () => {
  for (const settings of cases) {
    const script = vacationScript(settings);
    const parsed = parseSieve(script);
    assert.ok(parsed.ok, `${JSON.stringify(settings)}: ${JSON.stringify(!parsed.ok && parsed.errors)}`);
    const expected = ['vacation', ...(settings.until ? ['date', 'relational'] : []), ...(settings.include ? ['include'] : [])];
    assert.deepEqual(parsed.script.requires, expected);
    const reply = JSON.stringify(parsed.script.commands);
    // The message comes back as written, line breaks as CRLF; nothing is interpolated (no variables required).
    assert.ok(reply.includes(JSON.stringify(settings.message.replace(/\r?\n/g, '\r\n'))), reply);
    assert.equal(includedScript(script), settings.include ?? null);
  }
});

test('settings that cannot make a script are named', () => {
  assert.equal(vacationProblem({ subject: ' ', message: 'x' }), 'the subject is empty');
  assert.equal(vacationProblem({ subject: 'x', message: '' }), 'the message is empty');
  assert.equal(vacationProblem({ subject: 'x', message: 'y', until: '2026-13-01' }), 'the date "2026-13-01" is not a day like 2026-12-31');
  assert.equal(vacationProblem({ subject: 'x', message: 'y', until: 'tomorrow' }), 'the date "tomorrow" is not a day like 2026-12-31');
  assert.equal(vacationProblem({ subject: 'x', message: 'y', days: 0 }), 'days is a whole number from 1 to 30');
  assert.equal(vacationProblem({ subject: 'x', message: 'y', days: 31 }), 'days is a whole number from 1 to 30');
  assert.equal(vacationProblem({ subject: 'x', message: 'y', until: '2028-02-29', days: 7 }), null);
});
