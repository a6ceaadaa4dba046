import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { SieveAction } from '../src/sieve/actions.ts';
import type { SpamScore } from '../src/sieve/environment.ts';
import { parseMailto } from '../src/sieve/ext-enotify.ts';
import { interpret } from '../src/sieve/interpret.ts';
import { defaultSieveLimits, type SieveLimits } from '../src/sieve/limits.ts';
import { SieveMessage } from '../src/sieve/message.ts';
import { parseSieve } from '../src/sieve/parse.ts';
import type { Store } from '../src/store/types.ts';
import { SieveRuntimeError } from '../src/sieve/errors.ts';
import { mutatedScripts } from './helpers/sieve.ts';
import { addAccount, testStore } from './helpers/store.ts';

const MESSAGE = [
  'Received: from b by c; Wed, 2 Dec 2026 08:00:00 +0000',
  'Received: from a by b; Wed, 2 Dec 2026 07:59:00 +0000',
  'From: Bob <bob@example.net>',
  'To: alice+lists@example.org',
  'Subject: [team] Build 42 failed',
  'Date: Wed, 02 Dec 2026 09:00:00 +0100',
  'Message-ID: <build-42@ci.example.net>',
  'X-Count: 7',
  '',
  'The build failed.',
  '',
].join('\r\n');

async function setup(t: TestContext): Promise<{ store: Store; id: number }> {
  const { store } = await testStore(t);
  const account = await addAccount(store, 'alice@example.org');
  return { store, id: account.id };
}

async function runScript(
  ctx: { store: Store; id: number },
  text: string,
  opts: { message?: string; spam?: SpamScore | null; limits?: Partial<SieveLimits>; from?: string; unverified?: boolean } = {},
): Promise<{ actions: SieveAction[]; message: SieveMessage }> {
  const parsed = parseSieve(text);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  const message = new SieveMessage(Buffer.from(opts.message ?? MESSAGE));
  const env = {
    store: ctx.store,
    account: { id: ctx.id, address: 'alice@example.org' },
    from: opts.from ?? 'bob@example.net',
    to: 'alice+lists@example.org',
    subaddressSeparator: '+',
    spam: opts.spam ?? null,
    ownAddresses: ['alice@example.org'],
    senderUnverified: opts.unverified ?? false,
    now: Date.parse('2026-12-02T08:30:00Z'),
  };
  const result = await interpret(parsed.script, message, env, { ...defaultSieveLimits, ...opts.limits });
  return { actions: result.actions, message };
}

const fileinto = (actions: SieveAction[]) => actions.flatMap((a) => (a.type === 'fileinto' ? [a.mailbox] : a.type === 'keep' ? ['INBOX'] : []));

test('variables: :matches captures, set modifiers, string tests, envelope parts with the subaddress', async (t) => {
  const ctx = await setup(t);
  const { actions } = await runScript(
    ctx,
    `require ["fileinto", "variables", "envelope", "subaddress"];
     if header :matches "subject" "[*] Build * *" { set :upperfirst "list" "\${1}"; set "n" "\${2}"; set :length "len" "\${3}"; }
     if envelope :detail :matches "to" "*" { set "detail" "\${1}"; }
     if string :is "\${len}" "6" { fileinto "\${list}/\${detail}/\${n}"; }`,
  );
  assert.deepEqual(fileinto(actions), ['Team/lists/42']);
});

test('relational counts and values, and the i;ascii-numeric comparator', async (t) => {
  const ctx = await setup(t);
  const script = `require ["fileinto", "relational", "comparator-i;ascii-numeric"];
    if header :count "eq" :comparator "i;ascii-numeric" "received" "2" { fileinto "Two"; }
    if header :value "gt" :comparator "i;ascii-numeric" "x-count" "10" { fileinto "Over10"; }
    if header :value "lt" :comparator "i;ascii-numeric" "x-count" "10" { fileinto "Under10"; }
    if header :value "lt" :comparator "i;ascii-numeric" "x-count" "99999999999999999999999999" { fileinto "Huge"; }`;
  assert.deepEqual(fileinto((await runScript(ctx, script)).actions), ['Two', 'Under10', 'Huge']);
});

test('spamtest reads the verdict on RFC 5235 scales; an untested message is 0', async (t) => {
  const ctx = await setup(t);
  const script = `require ["spamtestplus", "fileinto", "relational", "comparator-i;ascii-numeric"];
    if spamtest :value "eq" :comparator "i;ascii-numeric" "0" { fileinto "Untested"; stop; }
    if spamtest :percent :value "ge" :comparator "i;ascii-numeric" "50" { fileinto "Junk"; }`;
  assert.deepEqual(fileinto((await runScript(ctx, script)).actions), ['Untested']);
  assert.deepEqual(fileinto((await runScript(ctx, script, { spam: { score: 2, threshold: 5, error: 'dns' } })).actions), ['Untested'], 'an error means not tested');
  assert.deepEqual(fileinto((await runScript(ctx, script, { spam: { score: 6, threshold: 5 } })).actions), ['Junk']);
  assert.deepEqual(fileinto((await runScript(ctx, script, { spam: { score: 1, threshold: 5 } })).actions), ['INBOX']);
});

test('date and currentdate parts in the given zone', async (t) => {
  const ctx = await setup(t);
  const script = `require ["date", "fileinto", "variables"];
    if date :zone "+0000" :matches "date" "iso8601" "*" { set "iso" "\${1}"; }
    if date :originalzone :is "date" "hour" "09" { fileinto "Nine"; }
    if currentdate :zone "+0530" :is "time" "14:00:00" { fileinto "\${iso}"; }`;
  assert.deepEqual(fileinto((await runScript(ctx, script)).actions), ['Nine', '2026-12-02T08:00:00+00:00']);
});

test('imap4flags: the internal variable feeds keep and fileinto, :flags overrides it', async (t) => {
  const ctx = await setup(t);
  const { actions } = await runScript(
    ctx,
    `require ["imap4flags", "fileinto"];
     setflag "\\\\Seen $A";
     addflag ["$B", "$a"];
     fileinto "One";
     removeflag "$B";
     fileinto :flags "\\\\Flagged" "Two";`,
  );
  assert.deepEqual(
    actions.map((a) => (a.type === 'fileinto' || a.type === 'keep' ? [a.type === 'keep' ? 'INBOX' : a.mailbox, a.flags] : a.type)),
    [['One', ['\\Seen', '$A', '$B']], ['Two', ['\\Flagged']]],
  );
});

test('editheader changes what later tests see and the stored copy; trace fields are protected', async (t) => {
  const ctx = await setup(t);
  const { actions, message } = await runScript(
    ctx,
    `require ["editheader", "fileinto", "relational"];
     addheader "X-Filed" "by Sieve, café";
     deleteheader "received";
     deleteheader :matches "subject" "*failed";
     addheader "Received" "forged";
     if allof (exists "x-filed", not exists "subject", header :count "eq" "received" "2") { fileinto "Edited"; }`,
  );
  assert.equal(actions.length, 1);
  assert.deepEqual(fileinto(actions), ['Edited']);
  const raw = message.raw().toString();
  assert.match(raw, /^X-Filed: by Sieve, =\?UTF-8\?Q\?caf=C3=A9\?=\r\nReceived: from b/);
  assert.doesNotMatch(raw, /Subject:/);
  assert.match(raw, /\r\n\r\nThe build failed\.\r\n$/);
});

test('duplicate is false the first time and true once the run\'s mark is stored', async (t) => {
  const ctx = await setup(t);
  const script = 'require "duplicate"; if duplicate { discard; }';
  const first = await runScript(ctx, script);
  assert.deepEqual(fileinto(first.actions), ['INBOX']);
  await ctx.store.setSieveMark(ctx.id, 'duplicate', '\u0000message-id\u0000<build-42@ci.example.net>', Date.parse('2026-12-03T00:00:00Z'));
  assert.deepEqual((await runScript(ctx, script)).actions.map((a) => a.type), ['discard']);
});

test('include runs personal scripts, :once and :optional, shares global variables, and stops at its depth', async (t) => {
  const ctx = await setup(t);
  const limits = { maxScripts: 10, maxScriptBytes: 10_000 };
  await ctx.store.putSieveScript(ctx.id, 'lists', 'require ["include", "variables", "fileinto"]; global "box"; fileinto "${box}"; return; discard;', limits);
  await ctx.store.putSieveScript(ctx.id, 'self', 'require "include"; include "self";', limits);
  const { actions } = await runScript(
    ctx,
    `require ["include", "variables"];
     global "box";
     set "box" "Lists";
     include "lists";
     include :once "lists";
     include :once "lists";
     include :optional "missing";`,
  );
  assert.deepEqual(fileinto(actions), ['Lists'], ':once skips a script included before');
  await assert.rejects(runScript(ctx, 'require "include"; include "self";'), /nested deeper than 5/);
  await assert.rejects(runScript(ctx, 'require "include"; include "missing";'), /no script named missing/);
});

test('limits: redirects, actions, steps and one vacation per run end the run with an error', async (t) => {
  const ctx = await setup(t);
  const redirects = Array.from({ length: 5 }, (_, i) => `redirect "r${i}@example.com";`).join('\n');
  await assert.rejects(runScript(ctx, redirects), /more than 4 redirects/);
  await assert.rejects(runScript(ctx, 'require "fileinto";\n' + Array.from({ length: 40 }, (_, i) => `fileinto "B${i}";`).join('\n')), /more than 32 actions/);
  const tests = `if anyof (${Array.from({ length: 2000 }, () => 'header :contains "x" "y"').join(', ')}) { stop; }`;
  await assert.rejects(runScript(ctx, tests, { limits: { maxSteps: 1000 } }), /more than 1000 steps/);
  await assert.rejects(runScript(ctx, 'require "vacation"; vacation "a"; vacation "b";'), /only one vacation/);
  await assert.rejects(runScript(ctx, 'require ["reject", "fileinto"]; fileinto "x"; reject "no";'), /reject cannot be combined/);
});

test(':matches with hostile patterns and values stays linear', async (t) => {
  const ctx = await setup(t);
  const long = 'a'.repeat(60_000);
  const message = `Subject: ${long}\r\n\r\nx\r\n`;
  const pattern = `${'*a'.repeat(30)}*b`;
  const { actions } = await runScript(ctx, `require "fileinto"; if header :matches "subject" "${pattern}" { fileinto "Never"; }`, { message });
  assert.deepEqual(fileinto(actions), ['INBOX']);
  const escaped = await runScript(ctx, 'require "fileinto"; if header :matches "subject" "\\\\[team\\\\] *\\\\?" { fileinto "Q"; } if header :matches "subject" "[team] Build ?? *" { fileinto "W"; }');
  assert.deepEqual(fileinto(escaped.actions), ['W']);
});

test('enotify mailto URIs are parsed strictly', () => {
  assert.deepEqual(parseMailto('mailto:a@example.com,b%40example.org?subject=Hi%20there&body=x&x-evil=1&cc=c@example.com'), {
    to: ['a@example.com', 'b@example.org'],
    subject: 'Hi there',
    body: 'x',
    headers: [],
  });
  for (const bad of ['mailto:', 'mailto:nobody', 'http://x', 'mailto:a@b.c?to=%zz', `mailto:${Array.from({ length: 9 }, (_, i) => `u${i}@x.org`).join(',')}`]) {
    assert.equal(parseMailto(bad), null, bad);
  }
});

test('a message with no header, or a broken one, is judged without error', async (t) => {
  const ctx = await setup(t);
  const script = 'require ["fileinto", "body", "date", "editheader"]; if anyof (address :all "from" "x@y", body :text :contains "x", date "date" "year" "2000", exists "subject") { fileinto "X"; } deleteheader "from"; addheader "X-A" "b";';
  for (const message of ['', 'no header at all', '\r\n\r\n', 'From: <<<@@@>>>\r\nDate: yesterday\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n--\r\n']) {
    assert.deepEqual(fileinto((await runScript(ctx, script, { message })).actions), ['INBOX'], JSON.stringify(message));
  }
});

test('mutated scripts that still parse run to actions or a Sieve error, never another exception', async (t) => {
  const ctx = await setup(t);
  let ran = 0;
  for (const text of mutatedScripts(1500, 7)) {
    if (!parseSieve(text).ok) continue;
    for (const message of [MESSAGE, 'Subject: x\r\n\r\n']) {
      try {
        await runScript(ctx, text, { message });
      } catch (err) {
        assert.ok(err instanceof SieveRuntimeError, `${(err as Error).stack}\n--- script:\n${text}`);
      }
      ran++;
    }
  }
  assert.ok(ran > 100, `${ran} runs`);
});

test('vacation answers a person, not a forged sender, the account itself, a robot, or a second time within :days', async (t) => {
  const ctx = await setup(t);
  const script = 'require "vacation"; vacation :days 2 :handle "away" "Back soon.";';
  const personal = MESSAGE.replace('To: alice+lists@example.org', 'To: Alice <alice+work@example.org>');
  const replies = async (opts: Parameters<typeof runScript>[2]) => (await runScript(ctx, script, { message: personal, ...opts })).actions.filter((a) => a.type === 'vacation');
  const [reply] = await replies({});
  assert.ok(reply?.type === 'vacation');
  assert.deepEqual([reply.reply.to, reply.reply.subject, reply.reply.inReplyTo], ['bob@example.net', 'Auto: [team] Build 42 failed', '<build-42@ci.example.net>']);
  assert.equal(reply.reply.until - Date.parse('2026-12-02T08:30:00Z'), 2 * 86_400_000);
  assert.deepEqual(await replies({ unverified: true }), [], 'SPF or DMARC failed');
  assert.deepEqual(await replies({ spam: { score: 9, spam: true } }), [], 'judged spam');
  assert.deepEqual(await replies({ from: 'alice@example.org' }), [], 'our own address');
  assert.deepEqual(await replies({ from: 'MAILER-DAEMON@example.net' }), [], 'a mailer daemon');
  assert.deepEqual(await replies({ from: 'news-request@example.net' }), [], 'a list robot');
  assert.deepEqual(await replies({ message: MESSAGE.replace('X-Count: 7', 'Precedence: junk') }), [], 'Precedence: junk');
  await ctx.store.setSieveMark(ctx.id, 'vacation', reply.reply.markKey, reply.reply.until);
  assert.deepEqual(await replies({}), [], 'answered already');
});
