import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { CommandReader } from '../src/imap/reader.ts';
import { addAccount, imapflow, PASSWORD, RawImap, startImapServer } from './helpers/imap.ts';
import { ALICE } from './helpers/imap-inbox.ts';
import { requireTool } from './helpers/smtp.ts';

const run = promisify(execFile);

test('reader: with a LITERAL- limit, a bigger non-synchronizing literal ends the stream; synchronizing ones are not limited', () => {
  const limited = new CommandReader({ maxLine: 100, maxLiteral: 10_000, maxNonSyncLiteral: 4096 });
  const ok = limited.push(Buffer.from(`a1 APPEND INBOX {4096+}\r\n${'x'.repeat(4096)}\r\n`));
  assert.deepEqual(ok.map((e) => e.type), ['command']);
  assert.deepEqual(limited.push(Buffer.from('a2 APPEND INBOX {5000}\r\n')).map((e) => e.type), ['continue']);
  const big = new CommandReader({ maxLine: 100, maxLiteral: 10_000, maxNonSyncLiteral: 4096 });
  const refused = big.push(Buffer.from(`a3 APPEND INBOX {4097+}\r\n${'x'.repeat(4097)}\r\na4 NOOP\r\n`));
  assert.deepEqual(refused.map((e) => e.type === 'refused' && [e.reason, e.fatal]), [['non-sync-literal', true]]);
});

async function literalMinusServer(t: import('node:test').TestContext) {
  const env = await startImapServer(t, (config) => {
    config.imap.literal = 'minus';
  });
  await addAccount(env.store, ALICE);
  return env;
}

test('LITERAL- raw: advertised instead of LITERAL+; small non-synchronizing literals work, a big one is BAD [TOOBIG] and BYE', async (t) => {
  const env = await literalMinusServer(t);
  const c = await RawImap.connect(env.port);
  t.after(() => c.close());
  const caps = (await c.command('c', 'CAPABILITY'))[0]!;
  assert.match(caps, / LITERAL- /);
  assert.doesNotMatch(caps, /LITERAL\+/);
  assert.match((await c.command('l', `LOGIN {${ALICE.length}+}\r\n${ALICE} "${PASSWORD}"`)).at(-1)!, /^l OK \[CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL- /);
  const small = `Subject: s\r\n\r\n${'y'.repeat(4000)}\r\n`;
  assert.match((await c.command('a', `APPEND INBOX {${small.length}+}\r\n${small}`)).at(-1)!, /^a OK \[APPENDUID/);
  const big = 'z'.repeat(5000);
  c.send(`b APPEND INBOX {${big.length}+}\r\n${big}\r\n`);
  assert.deepEqual(await c.until('b'), ['b BAD [TOOBIG] Non-synchronizing literals are limited to 4096 octets']);
  assert.match((await c.line())!, /^\* BYE /);
  await c.closedByServer();
});

test('LITERAL- with imapflow and imaplib: both send a large message with a synchronizing literal', async (t) => {
  const env = await literalMinusServer(t);
  const client = await imapflow(t, env.port, ALICE);
  assert.ok(client.capabilities.has('LITERAL-') && !client.capabilities.has('LITERAL+'));
  const raw = Buffer.from(`Subject: big\r\n\r\n${'q'.repeat(20_000)}\r\n`);
  const appended = await client.append('INBOX', raw);
  assert.ok(appended);
  assert.equal(appended.uid, 1);
  if (!requireTool(t, 'python3')) return;
  const script = `
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login(sys.argv[2], sys.argv[3])
print(m.append("INBOX", None, None, b"Subject: py\\r\\n\\r\\n" + b"w" * 20000 + b"\\r\\n")[0], "LITERAL-" in m.capabilities)
m.logout()
`;
  const { stdout } = await run('python3', ['-c', script, String(env.port), ALICE, PASSWORD], { timeout: 60_000 });
  assert.equal(stdout.trim(), 'OK True');
  const inbox = (await env.store.getMailbox((await env.store.getAccount(ALICE))!.id, 'INBOX'))!;
  assert.deepEqual((await env.store.listMessages(inbox.id)).map((m) => m.size), [raw.length, 'Subject: py\r\n\r\n'.length + 20_000 + 2]);
});
