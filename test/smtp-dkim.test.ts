import assert from 'node:assert/strict';
import { promises as dns } from 'node:dns';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { dkimVerify } from 'mailauth';
import { createTransport } from 'nodemailer';
import { dnsRecord, signingKeys } from '../src/dkim/keys.ts';
import type { DkimKey } from '../src/store/types.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { addAccount, inbox, messageFrom, PASSWORD, serverCa, startSmtpServer } from './helpers/smtp.ts';
import { createStoreIn, testStore } from './helpers/store.ts';

interface Record {
  selector: string;
  algorithm: string;
  active: boolean;
  name: string;
  value: string;
  zone: string;
}

async function ok(p: ReturnType<typeof runCli>) {
  const r = await p;
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r;
}

async function fails(p: ReturnType<typeof runCli>, pattern: RegExp) {
  const r = await p;
  assert.equal(r.code, 1, `expected exit 1, got ${r.code}: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr.trim(), pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
}

async function cliIn(t: TestContext, dataDir?: string) {
  const cwd = tempDir(t);
  const data = dataDir ?? join(cwd, 'data');
  await createStoreIn(data);
  return (args: string[]) => runCli(['--data-dir', data, ...args], { cwd });
}

test('dkim generate|show|remove on the store, with bad input', async (t) => {
  const cli = await cliIn(t);
  await ok(cli(['domain', 'add', 'example.org']));
  assert.match((await ok(cli(['dkim', 'show', 'example.org']))).stdout, /example\.org has no DKIM keys/);
  const generated = await ok(cli(['dkim', 'generate', 'example.org', '--suffix', 'one']));
  assert.match(generated.stdout, /^mf-ed-one\._domainkey\.example\.org\. IN TXT \( "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=" \)$/m);
  // RSA-2048's record is longer than one TXT string may be: it comes cut into strings of at most 255.
  const rsaLine = generated.stdout.split('\n').find((l) => l.startsWith('mf-rsa-one.'))!;
  const strings = [...rsaLine.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  assert.ok(strings.length >= 2 && strings.every((s) => s.length <= 255), rsaLine);
  assert.match(strings.join(''), /^v=DKIM1; k=rsa; p=MIIBIjAN/);

  const shown = JSON.parse((await ok(cli(['--json', 'dkim', 'show', 'example.org']))).stdout) as Record[];
  assert.deepEqual(shown.map((r) => [r.selector, r.algorithm, r.active, r.name]), [
    ['mf-ed-one', 'ed25519', true, 'mf-ed-one._domainkey.example.org'],
    ['mf-rsa-one', 'rsa', true, 'mf-rsa-one._domainkey.example.org'],
  ]);
  await fails(cli(['dkim', 'generate', 'example.org', '--suffix', 'one']), /^mailfold: DKIM selector mf-ed-one of example\.org already exists$/);
  await ok(cli(['dkim', 'generate', 'example.org', '--suffix', 'two']));
  const rotated = JSON.parse((await ok(cli(['--json', 'dkim', 'show', 'example.org']))).stdout) as Record[];
  assert.deepEqual(rotated.map((r) => `${r.selector}:${r.active}`).sort(), ['mf-ed-one:false', 'mf-ed-two:true', 'mf-rsa-one:false', 'mf-rsa-two:true']);
  assert.match((await ok(cli(['dkim', 'show', 'example.org']))).stdout, /; rsa, no longer signing/);
  assert.match((await ok(cli(['dkim', 'remove', 'example.org', 'mf-ed-one']))).stdout, /removed DKIM key mf-ed-one\._domainkey\.example\.org/);
  assert.equal((JSON.parse((await ok(cli(['--json', 'dkim', 'show', 'example.org']))).stdout) as Record[]).length, 3);

  await fails(cli(['dkim', 'generate', 'other.org']), /^mailfold: no such domain: other\.org/);
  await fails(cli(['dkim', 'generate', 'not a domain']), /^mailfold: not a valid domain name/);
  for (const suffix of ['Upper', 'a;b', 'x'.repeat(60), '-x', 'a b']) {
    await fails(cli(['dkim', 'generate', 'example.org', '--suffix', suffix]), /^mailfold: a selector suffix is lower-case letters/);
  }
  await fails(cli(['dkim', 'remove', 'example.org', 'mf-ed-one']), /^mailfold: no DKIM selector mf-ed-one for example\.org$/);
  await fails(cli(['dkim', 'remove', 'example.org', '../../acc/x']), /^mailfold: no DKIM selector/);
  const usage = await cli(['dkim', 'show']);
  assert.equal(usage.code, 1);

  // The keys go with their domain: a domain added again starts without them.
  await ok(cli(['domain', 'remove', 'example.org']));
  await ok(cli(['domain', 'add', 'example.org']));
  assert.match((await ok(cli(['dkim', 'show', 'example.org']))).stdout, /has no DKIM keys/);
});

test('the store keeps DKIM keys per domain in synced batches and refuses bad selectors', async (t) => {
  const { store } = await testStore(t);
  await store.addDomain('example.org');
  await store.addDomain('example.com');
  const key = (selector: string, createdAt: number, domain = 'example.org'): DkimKey => ({
    domain, selector, algorithm: 'ed25519', privateKey: 'pem', publicKey: 'pub', createdAt,
  });
  await store.addDkimKeys('example.org', [key('b', 2), key('a', 1)]);
  await store.addDkimKeys('example.com', [key('a', 3, 'example.com')]);
  assert.deepEqual((await store.listDkimKeys('example.org')).map((k) => k.selector), ['a', 'b']);
  assert.deepEqual(signingKeys(await store.listDkimKeys('example.org')).map((k) => k.selector), ['b']);
  await assert.rejects(store.addDkimKeys('example.org', [key('c', 4), key('a', 4)]), /already exists/);
  assert.equal((await store.listDkimKeys('example.org')).length, 2, 'nothing of a refused batch is kept');
  for (const selector of ['', 'A', 'a/b', 'a.b', '-a', 'a'.repeat(64)]) {
    await assert.rejects(store.addDkimKeys('example.org', [key(selector, 5)]), /not a valid DKIM selector/, selector);
  }
  await assert.rejects(store.addDkimKeys('example.org', [key('c', 5, 'example.com')]), /not a valid DKIM selector/);
  await assert.rejects(store.addDkimKeys('nowhere.org', [key('c', 5, 'nowhere.org')]), /no such domain/);
  assert.deepEqual(await store.check({ repair: false }), []);
});

test('a DKIM record is split into strings of at most 255 characters', () => {
  const key: DkimKey = { domain: 'example.org', selector: 's', algorithm: 'rsa', privateKey: '', publicKey: 'A'.repeat(600), createdAt: 0 };
  const record = dnsRecord(key, true);
  assert.equal(record.name, 's._domainkey.example.org');
  assert.equal(record.value, `v=DKIM1; k=rsa; p=${'A'.repeat(600)}`);
  const strings = [...record.zone.matchAll(/"([^"]*)"/g)].map((m) => m[1]!);
  assert.deepEqual(strings.map((s) => s.length), [255, 255, 108]);
  assert.equal(strings.join(''), record.value);
});

test('mail submitted by a user is DKIM-signed with both keys, and mailauth verifies it against the records of dkim show', async (t) => {
  const { store, config, submission, dns: zone } = await startSmtpServer(t);
  await addAccount(store, 'alice@example.org');
  await addAccount(store, 'bob@example.org');
  await store.addDomain('unsigned.example');
  await addAccount(store, 'carol@unsigned.example');
  // The server holds the store: these go through its control socket.
  const cli = await cliIn(t, config.data_dir);
  await ok(cli(['dkim', 'generate', 'example.org']));
  const records = JSON.parse((await ok(cli(['--json', 'dkim', 'show', 'example.org']))).stdout) as Record[];
  assert.equal(records.length, 2);
  for (const record of records) zone.txt(record.name, record.value);

  const transport = createTransport({
    host: '127.0.0.1',
    port: submission,
    requireTLS: true,
    name: 'client.example.net',
    auth: { user: 'alice@example.org', pass: PASSWORD },
    tls: { ca: await serverCa(store), servername: 'localhost' },
  });
  t.after(() => transport.close());
  const info = await transport.sendMail({ from: 'Alice <alice@example.org>', to: 'bob@example.org', subject: 'signed', text: 'Signed on the way out.\n' });
  assert.match(info.response, /^250/);
  const [stored] = await inbox(store, 'bob@example.org');
  const text = stored!.bytes.toString();
  const signatures = text.match(/^DKIM-Signature:[^]*?(?=\r\n\S)/gm) ?? [];
  assert.equal(signatures.length, 2, text);
  assert.match(signatures.join('\n'), /a=ed25519-sha256;[^]*d=example\.org;[^]*s=mf-ed-\d{8};/);
  assert.match(signatures.join('\n'), /a=rsa-sha256;[^]*d=example\.org;[^]*s=mf-rsa-\d{8};/);

  // An independent resolver asks only the test's DNS server, which serves what `dkim show` printed.
  const resolver = new dns.Resolver();
  resolver.setServers([zone.server]);
  const verified = await dkimVerify(stored!.bytes, { resolver: (name, type) => resolver.resolve(name, type) as Promise<string[][]> });
  assert.deepEqual(
    verified.results.map((r) => [r.status.result, r.selector]).sort(),
    records.map((r) => ['pass', r.selector]).sort(),
    JSON.stringify(verified.results.map((r) => r.info)),
  );

  // A domain without keys: nothing is signed.
  const carol = createTransport({ host: '127.0.0.1', port: submission, ignoreTLS: true, auth: { user: 'carol@unsigned.example', pass: PASSWORD } });
  t.after(() => carol.close());
  await carol.sendMail({ envelope: { from: 'carol@unsigned.example', to: ['bob@example.org'] }, raw: messageFrom('carol@unsigned.example', 'plain') });
  const plain = (await inbox(store, 'bob@example.org')).find((m) => m.bytes.includes('Subject: plain'));
  assert.ok(plain && !plain.bytes.includes('DKIM-Signature'));
});
