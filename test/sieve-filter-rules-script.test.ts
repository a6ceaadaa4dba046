import assert from 'node:assert/strict';
import test from 'node:test';
import { parseSieve } from '../src/sieve/parse.ts';
import { filterProblem, filterScript, readFilterRules, type FilterRule } from '../src/sieve/filter-rules-script.ts';
import { includedScript, readVacation, vacationScript } from '../src/sieve/vacation-script.ts';

const hostile: FilterRule[] = [
  { field: 'from', contains: 'boss@example.com', folder: 'Work', markRead: false },
  { field: 'to', contains: 'a"b\\c', folder: 'Quotes "and" \\ backslashes', markRead: true },
  { field: 'subject', contains: 'line one\nline two\r\n"; discard; #', folder: 'Überweisung/Rechnungen 📬', markRead: false },
  { field: 'list-id', contains: '<dev.lists.example.org>} stop; {', folder: 'Lists.dev', markRead: true },
  { field: 'subject', contains: '${x} \u2028 日本語 # /* */', folder: 'INBOX.日本語', markRead: false },
];

test('every generated filter script parses with hostile values, and gives back the rules it was made from', () => {
  for (const include of [undefined, 'my "own" \\ script']) {
    const script = filterScript({ rules: hostile, ...(include ? { include } : {}) });
    const parsed = parseSieve(script);
    assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.errors));
    assert.deepEqual(parsed.script.requires, ['fileinto', 'mailbox', 'imap4flags', ...(include ? ['include'] : [])]);
    // One if per rule, plus the include: a value never makes a command of its own.
    assert.equal(parsed.script.commands.length, hostile.length + (include ? 1 : 0));
    const folders = parsed.script.commands.filter((c) => c.name === 'if').map((c) => c.block![0]!.positional[0]);
    assert.deepEqual(folders.map((f) => f?.kind === 'string' && f.value), hostile.map((r) => r.folder));
    assert.deepEqual(readFilterRules(script), hostile);
    assert.equal(includedScript(script), include ?? null);
  }
});

test('no rules make a script that only includes, and a script not of ours has no rules', () => {
  const parsed = parseSieve(filterScript({ rules: [] }));
  assert.ok(parsed.ok);
  assert.equal(readFilterRules('require "fileinto";\r\nfileinto "x";\r\n'), null);
  assert.equal(readFilterRules('# mailfold-filter-rules [{"field":"cc"}]\r\n'), null);
  assert.equal(readFilterRules('# mailfold-filter-rules {not json\r\n'), null);
});

test('rules that cannot make a script are named', () => {
  const ok: FilterRule = { field: 'from', contains: 'x', folder: 'y', markRead: false };
  assert.equal(filterProblem([ok]), null);
  assert.equal(filterProblem([{ ...ok, contains: ' ' }]), 'rule 1: the text to look for is empty');
  assert.equal(filterProblem([ok, { ...ok, folder: '' }]), 'rule 2: the folder is empty');
  assert.equal(filterProblem([{ ...ok, folder: 'a\nb' }]), 'rule 1: a folder name has no control characters or line breaks');
  assert.equal(filterProblem([{ ...ok, field: 'cc' as 'from' }]), 'rule 1: the field is one of from, to, subject, list-id');
  assert.equal(filterProblem([{ ...ok, contains: 'x'.repeat(201) }]), 'rule 1: at most 200 characters per field');
  assert.equal(filterProblem([{ ...ok, folder: '\ud800' }]), 'rule 1: the text is not valid Unicode');
  assert.equal(filterProblem(Array(51).fill(ok)), 'at most 50 rules');
});

test('the vacation settings are read back from the generated script', () => {
  const settings = { subject: 'Away "now"', message: 'Line 1\nLine \\ 2', until: '2027-01-03', days: 3 };
  assert.deepEqual(readVacation(vacationScript({ ...settings, include: 'mailfold-filters' })), settings);
  assert.deepEqual(readVacation(vacationScript({ subject: 's', message: 'm' })), { subject: 's', message: 'm', days: 7 });
  assert.equal(readVacation('keep;'), null);
});
