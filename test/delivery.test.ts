import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeAddress, normalizeDomain } from '../src/delivery/address.ts';
import { deliverMessage } from '../src/delivery/deliver.ts';
import { toCrlf } from '../src/delivery/line-endings.ts';
import { resolveRecipient } from '../src/delivery/resolve.ts';
import { DEFAULT_MAX_KEYWORDS } from '../src/store/rules/keywords.ts';
import { addAccount, collect, message, testStore } from './helpers/store.ts';

test('addresses are normalized and validated', () => {
  assert.equal(normalizeAddress('Alice@Example.ORG'), 'alice@example.org');
  assert.equal(normalizeAddress('<bob@example.org.>'), 'bob@example.org');
  assert.equal(normalizeAddress('josé@bücher.example'), 'josé@xn--bcher-kva.example');
  for (const bad of ['', 'alice', '@example.org', 'alice@', 'a b@example.org', 'a..b@example.org', '.a@example.org', 'a@-x.org', 'a@x_y.org', `${'x'.repeat(65)}@example.org`, 'a@b@c', 'a\r\n@example.org', '"a@b"@example.org', 'a%b@example.org'.replace('%', '\u0000')]) {
    assert.equal(normalizeAddress(bad), null, JSON.stringify(bad));
  }
  assert.equal(normalizeDomain('EXAMPLE.org'), 'example.org');
  assert.equal(normalizeDomain('x'.repeat(64) + '.org'), null);
});

test('bare LF becomes CRLF; CRLF input is not copied', () => {
  assert.equal(toCrlf(Buffer.from('a\nb\r\nc\n\n')).toString(), 'a\r\nb\r\nc\r\n\r\n');
  assert.equal(toCrlf(Buffer.from('\n')).toString(), '\r\n');
  const crlf = Buffer.from('a\r\nb\r\n');
  assert.equal(toCrlf(crlf), crlf);
  assert.equal(toCrlf(Buffer.from('lone\rcr')).toString(), 'lone\rcr');
});

test('recipients resolve through aliases, +tags and catch-alls, once per account', async (t) => {
  const { store } = await testStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const bob = await addAccount(store, 'bob@example.org');
  await store.addAlias('team@example.org', ['alice@example.org', 'bob@example.org', 'carol@elsewhere.net']);
  await store.addAlias('all@example.org', ['team@example.org', 'alice@example.org']);
  await store.addAlias('loop1@example.org', ['loop2@example.org']);
  await store.addAlias('loop2@example.org', ['loop1@example.org']);
  await store.addDomain('catch.example');
  await store.addAlias('@catch.example', ['bob@example.org']);
  await addAccount(store, 'off@example.org');
  await store.updateAccount('off@example.org', { disabled: true });

  const ids = async (address: string) => (await resolveRecipient(store, address, '+')).local.map((a) => a.id);
  assert.deepEqual(await ids('ALICE@example.org'), [alice.id]);
  assert.deepEqual(await ids('alice+lists@example.org'), [alice.id]);
  assert.deepEqual(await ids('all@example.org'), [alice.id, bob.id]);
  assert.deepEqual(await ids('anything@catch.example'), [bob.id]);
  assert.deepEqual((await resolveRecipient(store, 'alice+x@example.org', '')).unknown.map((u) => u.reason), ['no-such-user']);
  assert.deepEqual((await resolveRecipient(store, 'team@example.org', '+')).remote, ['carol@elsewhere.net']);
  assert.deepEqual((await resolveRecipient(store, 'nobody@example.org', '+')).unknown, [{ address: 'nobody@example.org', reason: 'no-such-user' }]);
  assert.deepEqual((await resolveRecipient(store, 'loop1@example.org', '+')).unknown.map((u) => u.reason), ['loop']);
  assert.deepEqual((await resolveRecipient(store, 'off@example.org', '+')).unknown.map((u) => u.reason), ['disabled']);
  assert.deepEqual((await resolveRecipient(store, 'not an address', '+')).unknown.map((u) => u.reason), ['invalid']);
  assert.deepEqual((await resolveRecipient(store, 'x@remote.example', '+')).remote, ['x@remote.example']);
});

test('deliver prepends Return-Path and Delivered-To, stores CRLF, reports each recipient', async (t) => {
  const { store } = await testStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  await addAccount(store, 'bob@example.org', { messages: 1 });
  await store.createMailbox(alice.id, 'Lists');
  const raw = Buffer.from('Subject: hi\nFrom: x@example.net\n\nbody line\n');
  const reports = await deliverMessage(store, {
    from: 'x@example.net',
    recipients: ['Alice+news@example.org', 'bob@example.org', 'ghost@example.org'],
    raw,
    mailbox: 'Lists',
    subaddressSeparator: '+',
  });
  assert.deepEqual(reports.map((r) => r.outcomes.map((o) => o.status)), [['delivered'], ['delivered'], ['unknown']]);
  const [stored] = await store.listMessages((await store.getMailbox(alice.id, 'Lists'))!.id);
  const bytes = (await collect(store.readMessage(stored!))).toString();
  assert.equal(bytes, 'Return-Path: <x@example.net>\r\nDelivered-To: alice@example.org\r\nSubject: hi\r\nFrom: x@example.net\r\n\r\nbody line\r\n');
  assert.equal(stored!.size, Buffer.byteLength(bytes));

  const again = await deliverMessage(store, { from: '', recipients: ['bob@example.org'], raw, subaddressSeparator: '+' });
  assert.equal(again[0]!.outcomes[0]!.status, 'over-quota');
  await assert.rejects(deliverMessage(store, { from: 'a@b.example>\r\nX-Evil: 1', recipients: ['bob@example.org'], raw, subaddressSeparator: '+' }), /invalid envelope sender/);
});

test('a delivery whose keywords a full mailbox cannot take is stored without them, system flags kept', async (t) => {
  const { store } = await testStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  const inbox = (await store.getMailbox(alice.id, 'INBOX'))!;
  const raw = Buffer.from('Subject: hi\n\nbody\n');
  const flags = Array.from({ length: DEFAULT_MAX_KEYWORDS }, (_, i) => `k${i}`);
  const first = await deliverMessage(store, { from: 'x@example.net', recipients: ['alice@example.org'], raw, flags, subaddressSeparator: '+' });
  assert.equal(first[0]!.outcomes[0]!.status, 'delivered');
  const next = await deliverMessage(store, { from: 'x@example.net', recipients: ['alice@example.org'], raw, flags: ['k0', 'new', '\\Flagged'], subaddressSeparator: '+' });
  assert.equal(next[0]!.outcomes[0]!.status, 'delivered');
  assert.deepEqual((await store.messageStates(inbox.id)).map((m) => m.flags.length), [DEFAULT_MAX_KEYWORDS, 1]);
  assert.deepEqual((await store.messageStates(inbox.id))[1]!.flags, ['\\Flagged']);
});

test('a message for the same account twice (alias and direct) is delivered once', async (t) => {
  const { store } = await testStore(t);
  const alice = await addAccount(store, 'alice@example.org');
  await store.addAlias('postmaster@example.org', ['alice@example.org']);
  const reports = await deliverMessage(store, { from: '', recipients: ['alice@example.org', 'postmaster@example.org'], raw: message('once'), subaddressSeparator: '+' });
  assert.equal(reports.flatMap((r) => r.outcomes).filter((o) => o.status === 'delivered').length, 1);
  assert.equal((await store.getMailbox(alice.id, 'INBOX'))!.messages, 1);
});
