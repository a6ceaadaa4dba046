import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { ImapFlow } from 'imapflow';
import { authservId, isOurName } from '../src/smtp/headers.ts';
import { ROOT, runCli, tempDir } from './helpers/env.ts';
import { imapflow } from './helpers/imap.ts';
import { sharedPort } from './helpers/peer.ts';
import { startPostfix } from './helpers/postfix.ts';
import { activateScript } from './helpers/sieve.ts';
import { addAccount, messageFrom, PASSWORD, requireTool, serverCa, startSmtpServer } from './helpers/smtp.ts';
import { clearHam, clearSpam, trainAccount } from './helpers/spam.ts';

const run = promisify(execFile);
const ALICE = 'alice@example.org';
const BOB = 'bob@example.org';
const CAROL = 'carol@example.org';

/**
 * Fields that claim to be this host's verdicts (its name is `localhost` in tests), in the
 * spellings a forger tries: any case, space before the colon, comments, a quoted and
 * escaped id, the root's dot, a version, a tspecial after the id, a field folded over
 * hundreds of lines, and a hundred copies; one field of another host that stays.
 */
const FORGED = [
  'Authentication-Results: localhost; dkim=pass header.d=bank.example; dmarc=pass header.from=bank.example',
  'authentication-results : (nested (comment \\) here)) "LocalHost." 1; spf=pass smtp.mailfrom=bank.example',
  `AUTHENTICATION-RESULTS:(a)localhost(b);\r\n\tdkim=pass${'\r\n\t(padding padding padding padding padding)'.repeat(400)}\r\n\tdmarc=pass`,
  'Authentication-Results: localhost/x; dmarc=pass',
  'Authentication-Results: "local\\host"; x-spam=pass policy.score=-100',
  ...Array.from({ length: 100 }, (_, i) => `Authentication-Results: localhost; dmarc=pass (copy ${i})`),
  'Authentication-Results: other.example; dkim=pass header.d=other.example',
  'X-Spam-Flag: NO',
  'x-spam-status: No, score=-100.00 required=5.00',
  'X-SPAM-SCORE: -100.00',
  'X-Spam-Flag : NO',
].join('\r\n') + '\r\n';
const OTHER = 'other.example; dkim=pass header.d=other.example';

const crlf = (raw: Buffer) => Buffer.from(raw.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
const withFields = (fields: string, raw: Buffer) => Buffer.concat([Buffer.from(fields, 'latin1'), crlf(raw)]);

/** The values of the named field in a message's header, unfolded, read independently of the server's parser. */
function values(source: string, name: string): string[] {
  const header = source.slice(0, source.indexOf('\r\n\r\n') + 2);
  const fields = header.split(/\r\n(?![ \t])/).filter(Boolean);
  return fields
    .map((f) => /^([^:]+?)[ \t]*:[ \t]*([^]*)$/.exec(f))
    .filter((m) => m !== null && m[1]!.toLowerCase() === name.toLowerCase())
    .map((m) => m![2]!.replace(/\r\n[ \t]+/g, ' '));
}

/** The sources of a mailbox's messages, with their keywords, over IMAP. */
async function messagesIn(client: ImapFlow, mailbox: string): Promise<{ source: string; flags: Set<string> }[]> {
  const list = await client.list();
  if (!list.some((m) => m.path === mailbox)) return [];
  const lock = await client.getMailboxLock(mailbox);
  try {
    if (client.mailbox && client.mailbox.exists === 0) return [];
    const out: { source: string; flags: Set<string> }[] = [];
    for await (const m of client.fetch('1:*', { source: true, flags: true })) out.push({ source: m.source!.toString('latin1'), flags: m.flags ?? new Set() });
    return out;
  } finally {
    lock.release();
  }
}

/** A server with the MX, submission, LMTP and IMAP, and a sender through Python's smtplib. */
async function setup(t: TestContext) {
  const server = await startSmtpServer(t, (c) => {
    c.lmtp = { enabled: true, address: '127.0.0.1', port: 0 };
    c.listeners.imap = { enabled: true, address: '127.0.0.1', port: 0 };
  });
  const lmtp = typeof server.server.lmtp === 'object' ? server.server.lmtp.port : 0;
  const imap = server.server.listeners.imap?.port ?? 0;
  const dir = tempDir(t);
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, await serverCa(server.store));
  let n = 0;
  /** Sends by `mode` (smtp_smtplib.py: mx, lmtp:NAME; a user logs in on submission). */
  const send = async (port: number, mode: string, user: string, from: string, to: string, raw: Buffer) => {
    const file = join(dir, `m${n++}.eml`);
    writeFileSync(file, raw);
    const { stdout } = await run('python3', [join(ROOT, 'test/fixtures/smtp_smtplib.py'), String(port), mode, user, PASSWORD, ca, from, to, file], { timeout: 60_000 });
    assert.equal(stdout.trim(), 'ok');
  };
  return { ...server, lmtp, imap, send };
}

/** Our Authentication-Results (the one naming `localhost`) and the other host's, in order: nothing forged is left. */
function assertOnlyOurs(source: string, spam: 'pass' | 'fail'): string {
  const results = values(source, 'Authentication-Results');
  assert.equal(results.length, 2, results.join('\n'));
  assert.match(results[0]!, new RegExp(`^localhost; .*x-spam=${spam} policy\\.score=`));
  assert.doesNotMatch(results[0]!, /bank\.example|padding|copy \d/);
  assert.equal(results[1], OTHER);
  assert.deepEqual(values(source, 'X-Spam-Flag'), [spam === 'fail' ? 'YES' : 'NO']);
  assert.equal(values(source, 'X-Spam-Score').length, 1);
  assert.match(values(source, 'X-Spam-Status').join('\n'), spam === 'fail' ? /^Yes, score=/ : /^No, score=/);
  return results[0]!;
}

test('the authserv-id is read as a strict reader reads it, and hostile values cost their length', () => {
  const cases: [string, string][] = [
    ['localhost; dkim=pass', 'localhost'],
    ['  (c (nested \\) x))\r\n\t"Local\\Host." 1; spf=pass', 'LocalHost.'],
    ['localhost/x; dmarc=pass', 'localhost'],
    ['localhost(comment);dkim=pass', 'localhost'],
    ['"localhost', 'localhost'],
    ['(an unterminated comment localhost; dkim=pass', ''],
    [`${'('.repeat(100_000)}localhost`, ''],
    ['; dkim=pass', ''],
    ['', ''],
  ];
  for (const [value, id] of cases) assert.equal(authservId(value), id, JSON.stringify(value.slice(0, 40)));
  assert.ok(isOurName('LOCALHOST.', 'localhost') && isOurName('"localhost"', 'localhost') && !isOurName('localhost.example', 'localhost'));
});

test('the MX removes Authentication-Results of our host and X-Spam-* fields however they are written; ours are the only ones', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { store, mx, imap, send } = await setup(t);
  const alice = await addAccount(store, ALICE);
  await trainAccount(store, alice.id);
  await send(mx, 'mx', '-', 'sender@example.net', ALICE, withFields(FORGED, clearSpam()));
  await send(mx, 'mx', '-', 'sender@example.net', ALICE, withFields(FORGED, clearHam()));
  const client = await imapflow(t, imap, ALICE);
  const [junk] = await messagesIn(client, 'Junk');
  const [kept] = await messagesIn(client, 'INBOX');
  assertOnlyOurs(junk!.source, 'fail');
  assert.match(assertOnlyOurs(kept!.source, 'pass'), /^localhost; .*spf=\w+ .*dmarc=\w+/);
});

test('submission: a logged-in user cannot plant our verdict in a local copy', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { store, submission, imap, send } = await setup(t);
  await addAccount(store, ALICE);
  await addAccount(store, BOB);
  await send(submission, 'mx', ALICE, ALICE, BOB, withFields(FORGED, messageFrom(ALICE, 'trust me')));
  const [copy] = await messagesIn(await imapflow(t, imap, BOB), 'INBOX');
  assert.deepEqual(values(copy!.source, 'Authentication-Results'), [OTHER]);
  assert.doesNotMatch(copy!.source, /^x-spam-/im);
  assert.match(copy!.source, /^Subject: trust me\r\n/m);
});

test('LMTP: a peer of another name cannot bring fields of our host; a peer of our name keeps its verdict, with our spam result added', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { store, lmtp, imap, send } = await setup(t);
  const alice = await addAccount(store, ALICE);
  await trainAccount(store, alice.id);
  await send(lmtp, 'lmtp:mta.example', '-', 'sender@example.net', ALICE, withFields(FORGED, clearSpam()));
  const client = await imapflow(t, imap, ALICE);
  const [junk] = await messagesIn(client, 'Junk');
  assert.match(assertOnlyOurs(junk!.source, 'fail'), /^localhost; x-spam=fail /);

  // Postfix on this host, its milters writing with our name: their field is the peer's own.
  const peer = 'Authentication-Results: localhost;\r\n\tdkim=pass header.d=good.example;\r\n\tdmarc=fail header.from=good.example\r\nX-Spam-Flag: YES\r\n';
  await send(lmtp, 'lmtp:LocalHost', '-', 'sender@example.net', ALICE, withFields(peer, clearHam()));
  const [kept] = await messagesIn(client, 'INBOX');
  const results = values(kept!.source, 'Authentication-Results');
  assert.equal(results.length, 1, results.join('\n'));
  assert.match(results[0]!, /^localhost; dkim=pass header\.d=good\.example; dmarc=fail header\.from=good\.example; x-spam=pass policy\.score=/);
  assert.deepEqual(values(kept!.source, 'X-Spam-Flag'), ['NO']);
});

test('Postfix in front over LMTP (it greets with its own name): forged fields of our host that it passes on are removed', async (t) => {
  if (!requireTool(t, 'postfix') || !requireTool(t, 'python3')) return;
  const { store, lmtp, imap, send } = await setup(t);
  const alice = await addAccount(store, ALICE);
  await trainAccount(store, alice.id);
  const address = '127.0.0.1';
  const port = await sharedPort([address]);
  await startPostfix(t, {
    hostname: 'mx.p.test',
    address,
    port,
    main: () => ['relay_domains = example.org', `transport_maps = inline:{ example.org=lmtp:inet:127.0.0.1:${lmtp} }`, 'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination'],
  });
  const arrived = new Promise<void>((resolve) => {
    const off = store.on((event) => {
      if (event.type === 'append') {
        off();
        resolve();
      }
    });
  });
  await send(port, 'mx', '-', 'sender@example.net', ALICE, withFields(FORGED, clearSpam()));
  await arrived;
  const [junk] = await messagesIn(await imapflow(t, imap, ALICE), 'Junk');
  assert.match(assertOnlyOurs(junk!.source, 'fail'), /^localhost; x-spam=fail /);
  assert.match(junk!.source, /^Received: from \S+ \(\S+ \[127\.0\.0\.1\]\)\r\n\tby mx\.p\.test \(Postfix\)/m);
});

test('mailfold deliver: judged, the X-Spam-* fields that came give way to ours; with --no-filter they stay', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { store, config, imap } = await setup(t);
  const alice = await addAccount(store, ALICE);
  await trainAccount(store, alice.id);
  const deliver = async (args: string[], raw: Buffer) => {
    const r = await runCli(['--data-dir', config.data_dir, 'deliver', '--from', 'sender@example.net', '--to', ALICE, ...args], { cwd: config.data_dir, input: raw });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  };
  await deliver([], withFields('X-Spam-Flag: NO\r\nX-Spam-Status: No, score=-100\r\n', clearSpam()));
  await deliver(['--no-filter'], withFields('X-Spam-Flag: YES\r\nX-Spam-Status: Yes, score=20\r\n', clearHam()));
  const client = await imapflow(t, imap, ALICE);
  const [junk] = await messagesIn(client, 'Junk');
  assert.deepEqual(values(junk!.source, 'X-Spam-Flag'), ['YES']);
  assert.match(values(junk!.source, 'X-Spam-Status').join('\n'), /^Yes, score=\d+\.\d\d required=5\.00 /);
  const [kept] = await messagesIn(client, 'INBOX');
  assert.deepEqual(values(kept!.source, 'X-Spam-Flag'), ['YES']);
  assert.deepEqual(values(kept!.source, 'X-Spam-Status'), ['Yes, score=20']);
});

const SCRIPT = `require ["fileinto", "mailbox", "imap4flags"];
if allof (exists ["Return-Path", "X-Spam-Status"], address :is "Delivered-To" "\${account}") { addflag "$seen-ours"; }
if header :contains "X-Spam-Flag" "YES" { fileinto :create "Spam"; }
elsif header :contains "Authentication-Results" "dmarc=fail" { fileinto :create "Suspicious"; }
`;

test('Sieve sees the copy as stored: our X-Spam-Flag, Authentication-Results and Delivered-To, never the forged ones', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { store, mx, lmtp, imap, send, dns } = await setup(t);
  const alice = await addAccount(store, ALICE);
  const carol = await addAccount(store, CAROL);
  await trainAccount(store, alice.id);
  for (const [account, address] of [[alice, ALICE], [carol, CAROL]] as const) await activateScript(store, account, SCRIPT.replace('${account}', address));
  // A spam that says it is not, a ham that says it is.
  await send(mx, 'mx', '-', 'sender@example.net', ALICE, withFields('X-Spam-Flag: NO\r\nAuthentication-Results: localhost; dmarc=pass\r\n', clearSpam()));
  await send(mx, 'mx', '-', 'sender@example.net', ALICE, withFields('X-Spam-Flag: YES\r\nAuthentication-Results: localhost; dmarc=fail\r\n', clearHam()));
  // DMARC fails (SPF allows another address, p=none): only our field says so (Carol has no classifier: ham).
  dns.txt('bank.example', 'v=spf1 ip4:192.0.2.1 -all');
  dns.txt('_dmarc.bank.example', 'v=DMARC1; p=none');
  await send(mx, 'mx', '-', 'security@bank.example', CAROL, messageFrom('security@bank.example', 'verify your account'));
  // Over LMTP, the peer's verdict of our name is what the script reads.
  const peer = 'Authentication-Results: localhost; spf=fail smtp.mailfrom=shop.example; dmarc=fail header.from=shop.example\r\n';
  await send(lmtp, 'lmtp:localhost', '-', 'news@shop.example', CAROL, withFields(peer, messageFrom('news@shop.example', 'from the peer')));

  const a = await imapflow(t, imap, ALICE);
  const [spam] = await messagesIn(a, 'Spam');
  const [ham] = await messagesIn(a, 'INBOX');
  assert.deepEqual([(await messagesIn(a, 'Junk')).length, (await messagesIn(a, 'Suspicious')).length], [0, 0]);
  assert.deepEqual(values(spam!.source, 'X-Spam-Flag'), ['YES']);
  assert.deepEqual(values(ham!.source, 'X-Spam-Flag'), ['NO']);
  assert.ok(spam!.flags.has('$seen-ours') && ham!.flags.has('$seen-ours'));

  const c = await imapflow(t, imap, CAROL);
  const suspicious = await messagesIn(c, 'Suspicious');
  assert.deepEqual(suspicious.map((m) => values(m.source, 'Subject')[0]), ['verify your account', 'from the peer']);
  assert.equal((await messagesIn(c, 'INBOX')).length, 0);
  assert.ok(suspicious.every((m) => m.flags.has('$seen-ours')));
});
