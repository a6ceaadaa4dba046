import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSaslResponse, parsePlain, startSasl } from '../src/auth/sasl.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('responses: strict base64, "=" for empty, "*" to cancel', () => {
  assert.deepEqual(decodeSaslResponse(b64('hello')), { type: 'data', data: Buffer.from('hello') });
  assert.deepEqual(decodeSaslResponse('='), { type: 'data', data: Buffer.alloc(0) });
  assert.deepEqual(decodeSaslResponse('*'), { type: 'cancel' });
  for (const bad of ['', 'abc', 'ab!d', 'YQ', 'YQ==YQ==', 'Y Q==']) assert.deepEqual(decodeSaslResponse(bad), { type: 'invalid' }, bad);
});

test('PLAIN: authzid, user and password; malformed messages refused', () => {
  assert.deepEqual(parsePlain(Buffer.from('\0alice@example.org\0pass word')), { authzid: '', username: 'alice@example.org', password: 'pass word' });
  assert.deepEqual(parsePlain(Buffer.from('admin\0alice\0pw')), { authzid: 'admin', username: 'alice', password: 'pw' });
  for (const bad of ['alice\0pw', '\0\0pw', '\0a\0b\0c', 'nothing', '\0a\0\xff']) {
    assert.ok('error' in parsePlain(Buffer.from(bad, bad.includes('\xff') ? 'latin1' : 'utf8')), JSON.stringify(bad));
  }
  const exchange = startSasl('plain')!;
  assert.deepEqual(exchange.step(null), { type: 'challenge', challenge: '' });
  assert.deepEqual(exchange.step(Buffer.from('\0bob\0pw')), { type: 'done', credentials: { authzid: '', username: 'bob', password: 'pw' } });
});

test('LOGIN: user name then password, with or without an initial response', async () => {
  const exchange = startSasl('LOGIN')!;
  assert.deepEqual(exchange.step(null), { type: 'challenge', challenge: b64('Username:') });
  assert.deepEqual(exchange.step(Buffer.from('alice')), { type: 'challenge', challenge: b64('Password:') });
  assert.deepEqual(exchange.step(Buffer.from('secret')), { type: 'done', credentials: { authzid: '', username: 'alice', password: 'secret' } });
  const withInitial = startSasl('login')!;
  assert.deepEqual(withInitial.step(Buffer.from('bob')), { type: 'challenge', challenge: b64('Password:') });
  assert.equal((await startSasl('LOGIN')!.step(Buffer.alloc(0))).type, 'error', 'empty user name');
  assert.equal(startSasl('CRAM-MD5'), null);
});
