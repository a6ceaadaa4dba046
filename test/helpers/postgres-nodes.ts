import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { runCli, tempDir, type CliResult } from './env.ts';
import { PASSWORD, RawImap } from './imap.ts';
import { serveOnFreePorts, type Served } from './serve.ts';
import { SmtpClient } from './smtp.ts';

export const ALICE = 'alice@example.org';

export interface TwoNodes {
  url: string;
  a: Served;
  b: Served;
  /** `mailfold ARGS` against node A (its admin socket). */
  cli: (args: string[], input?: string) => Promise<CliResult>;
}

/** The `[store]` table of a node on the database at `url`. */
export const storeToml = (url: string): string => `[store]\nbackend = "postgres"\nurl = "${url}"\ntls = "off"\n`;

/**
 * Two `mailfold serve` processes on free ports sharing the database at `url`, with
 * example.org and alice@example.org added through node A; `extra` is more TOML for both.
 */
export async function twoNodes(t: TestContext, url: string, extra = ''): Promise<TwoNodes> {
  const store = storeToml(url) + extra;
  // One after the other: the second finds the schema the first migrated.
  const a = await serveOnFreePorts(t, tempDir(t), { extra: store });
  const b = await serveOnFreePorts(t, tempDir(t), { extra: store });
  const cli = (args: string[], input?: string) => runCli(['--config', a.config, ...args], { cwd: join(a.config, '..'), input });
  assert.equal((await cli(['domain', 'add', 'example.org'])).code, 0);
  assert.equal((await cli(['user', 'add', ALICE, '--password-stdin'], `${PASSWORD}\n`)).code, 0);
  return { url, a, b, cli };
}

/** A raw IMAP session of alice's on `port`, logged in, closed when the test ends. */
export async function aliceOn(t: TestContext, port: number): Promise<RawImap> {
  const c = await RawImap.connect(port);
  t.after(() => c.close());
  await c.login(ALICE);
  return c;
}

/** A small message to alice whose Message-ID is `<id>`. */
export const messageWithId = (id: string, subject = id): string =>
  `From: bob@example.net\r\nTo: ${ALICE}\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\n\r\nHello from ${id}.\r\n`;

/** That message from bob@example.net to alice over SMTP on `port`, one connection; the reply to its DATA. */
export async function sendMail(port: number, messageId: string, subject = messageId): Promise<string> {
  const smtp = await SmtpClient.connect(port);
  try {
    await smtp.hello();
    assert.match(await smtp.cmd('MAIL FROM:<bob@example.net>'), /^250/);
    assert.match(await smtp.cmd(`RCPT TO:<${ALICE}>`), /^250/);
    return await smtp.data(messageWithId(messageId, subject));
  } finally {
    smtp.close();
  }
}

/** APPENDs `raw` to INBOX (LITERAL+); its UID from APPENDUID, or throws with the answer. */
export async function appendUid(c: RawImap, tag: string, raw: string): Promise<number> {
  const lines = await c.command(tag, `APPEND INBOX {${Buffer.byteLength(raw)}+}\r\n${raw}`);
  const uid = /^\S+ OK \[APPENDUID \d+ (\d+)\]/.exec(lines.at(-1)!);
  if (!uid) throw new Error(`APPEND failed: ${lines.join(' | ')}`);
  return Number(uid[1]);
}

/** `UID FETCH 1:* (MODSEQ)` on the selected mailbox: MODSEQ by UID. */
export async function modSeqs(c: RawImap, tag: string): Promise<Map<number, number>> {
  const lines = await c.command(tag, 'UID FETCH 1:* (MODSEQ)');
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`));
  const out = new Map<number, number>();
  for (const line of lines) {
    const uid = /^\* \d+ FETCH \(.*\bUID (\d+)/.exec(line);
    const modSeq = /\bMODSEQ \((\d+)\)/.exec(line);
    if (uid && modSeq) out.set(Number(uid[1]), Number(modSeq[1]));
  }
  return out;
}
