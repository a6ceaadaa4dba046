import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import { deriveScramKeys } from '../src/auth/scram.ts';
import type { Store } from '../src/store/types.ts';
import { tempDir } from './helpers/env.ts';
import { PASSWORD, addAccount, startImapServer } from './helpers/imap.ts';
import { serverCa } from './helpers/pop3.ts';
import { requireTool, startSmtpServer } from './helpers/smtp.ts';

const run = promisify(execFile);

/** GNU SASL's client (`gsasl`), an independent SCRAM implementation; exit status 0 when the server accepted it. */
async function gsasl(args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const pending = run('gsasl', ['--client', '--quiet', '-a', 'alice@example.org', ...args], { timeout: 15_000 });
    // After the login gsasl relays standard input to the server; at its end it logs out.
    pending.child.stdin?.end();
    const { stdout, stderr } = await pending;
    return { ok: true, output: stdout + stderr };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Alice with SCRAM keys; the file of the CA gsasl checks the server's certificate against. */
async function aliceAndCa(t: TestContext, store: Store): Promise<string> {
  await addAccount(store, 'alice@example.org');
  await store.updateAccount('alice@example.org', { scram: deriveScramKeys(PASSWORD) });
  const ca = join(tempDir(t), 'ca.pem');
  writeFileSync(ca, await serverCa(store));
  return ca;
}

/** The GS2 channel-binding flags of the client-first messages gsasl sent (its transcript holds them in base64). */
const gs2Flags = (output: string): string[] =>
  output.split(/\r?\n/).map((line) => Buffer.from(line.trim(), 'base64').toString('latin1')).filter((text) => /^(n|y|p=[a-z-]+),[^,]*,n=/.test(text)).map((text) => text.split(',')[0]!);

test('gsasl logs in to IMAP with SCRAM-SHA-256, and with -PLUS after STARTTLS; a wrong password fails', async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const { store, port } = await startImapServer(t);
  const ca = await aliceAndCa(t, store);
  const at = `--connect=127.0.0.1:${port}`;
  const plain = await gsasl(['--imap', at, '--no-starttls', '-m', 'SCRAM-SHA-256', '-p', PASSWORD]);
  assert.ok(plain.ok, plain.output);
  // By name, so that gsasl checks the certificate against it.
  const plus = await gsasl(['--imap', `--connect=localhost:${port}`, '--starttls', `--x509-ca-file=${ca}`, '-m', 'SCRAM-SHA-256-PLUS', '-p', PASSWORD]);
  assert.ok(plus.ok, plus.output);
  assert.ok(gs2Flags(plus.output).includes('p=tls-exporter'), plus.output);
  const wrong = await gsasl(['--imap', at, '--no-starttls', '-m', 'SCRAM-SHA-256', '-p', 'not the password']);
  assert.ok(!wrong.ok, wrong.output);
});

test('gsasl logs in to submission with SCRAM-SHA-256 and, over STARTTLS, -PLUS', async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const { store, submission } = await startSmtpServer(t);
  const ca = await aliceAndCa(t, store);
  const plain = await gsasl(['--smtp', `--connect=127.0.0.1:${submission}`, '--no-starttls', '-m', 'SCRAM-SHA-256', '-p', PASSWORD]);
  assert.ok(plain.ok, plain.output);
  const plus = await gsasl(['--smtp', `--connect=localhost:${submission}`, '--starttls', `--x509-ca-file=${ca}`, '-m', 'SCRAM-SHA-256-PLUS', '-p', PASSWORD]);
  assert.ok(plus.ok, plus.output);
  assert.ok(gs2Flags(plus.output).includes('p=tls-exporter'), plus.output);
  const wrong = await gsasl(['--smtp', `--connect=127.0.0.1:${submission}`, '--no-starttls', '-m', 'SCRAM-SHA-256', '-p', 'not the password']);
  assert.ok(!wrong.ok, wrong.output);
});
