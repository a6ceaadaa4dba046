import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ScramServer, deriveScramKeys, type ChannelBindings } from '../src/auth/scram.ts';
import { ScramClient } from './helpers/scram-client.ts';

const buf = (text: string) => Buffer.from(text);

test('RFC 7677 test vector: keys, server-first, proof and server signature', () => {
  const keys = deriveScramKeys('pencil', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'), 4096);
  const server = new ScramServer({ plus: false, bindings: null, serverNonce: '%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0' });
  assert.deepEqual(server.clientFirst(buf('n,,n=user,r=rOprNGfwEbeRWgbNEkqO')), { username: 'user', authzid: '' });
  assert.equal(server.serverFirst(keys), 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096');
  const final = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=';
  assert.deepEqual(server.clientFinal(buf(final)), { ok: true });
  assert.equal(server.verify(keys), 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
  assert.equal(server.verify(deriveScramKeys('pencil2', Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64'))), null);
});

/** Runs a whole exchange with the independent client; the server-final message or the first error. */
function run(opts: { plus: boolean; bindings: ChannelBindings | null; client: ConstructorParameters<typeof ScramClient>[0]; password?: string }) {
  const keys = deriveScramKeys(opts.password ?? 'secret pass');
  const server = new ScramServer({ plus: opts.plus, bindings: opts.bindings });
  const client = new ScramClient(opts.client);
  const first = server.clientFirst(buf(client.first()));
  if ('error' in first) return first;
  const final = server.clientFinal(buf(client.final(server.serverFirst(keys))));
  if ('error' in final) return final;
  const serverFinal = server.verify(keys);
  return serverFinal && client.verifyServer(serverFinal) ? { ok: true, first } : { error: 'proof' };
}

const exporter = Buffer.alloc(32, 7);

test('the independent client logs in; authzid and escaped names are decoded', () => {
  assert.deepEqual(run({ plus: false, bindings: null, client: { username: 'a=b,c@x', password: 'secret pass', authzid: 'a=b,c@x' } }), {
    ok: true,
    first: { username: 'a=b,c@x', authzid: 'a=b,c@x' },
  });
  assert.deepEqual(run({ plus: false, bindings: null, client: { username: 'u', password: 'wrong pass' } }), { error: 'proof' });
});

test('channel binding: -PLUS with the right data works, wrong data, names and flags are refused', () => {
  const bindings = { 'tls-exporter': exporter, 'tls-server-end-point': Buffer.alloc(32, 9) };
  assert.ok('ok' in run({ plus: true, bindings, client: { username: 'u', password: 'secret pass', flag: 'p=tls-exporter', cbData: exporter } }));
  assert.ok('ok' in run({ plus: true, bindings, client: { username: 'u', password: 'secret pass', flag: 'p=tls-server-end-point', cbData: Buffer.alloc(32, 9) } }));
  const cases: [boolean, ChannelBindings | null, string, Buffer | undefined, string][] = [
    [true, bindings, 'p=tls-exporter', Buffer.alloc(32, 8), 'proof'],
    [true, { 'tls-server-end-point': exporter }, 'p=tls-exporter', exporter, 'channel binding type not available on this connection'],
    [true, bindings, 'p=tls-unique', exporter, 'unsupported channel binding type'],
    [true, bindings, 'n', undefined, 'SCRAM-SHA-256-PLUS without channel binding'],
    [true, bindings, 'y', undefined, 'SCRAM-SHA-256-PLUS without channel binding'],
    [false, bindings, 'y', undefined, 'channel binding downgrade'],
    [false, bindings, 'p=tls-exporter', exporter, 'channel binding requested with a mechanism without -PLUS'],
  ];
  for (const [plus, b, flag, cbData, error] of cases) {
    assert.deepEqual(run({ plus, bindings: b, client: { username: 'u', password: 'secret pass', flag, cbData } }), { error }, flag);
  }
  // Without TLS, `y` is an honest client that would bind if it could.
  assert.ok('ok' in run({ plus: false, bindings: null, client: { username: 'u', password: 'secret pass', flag: 'y' } }));
});

test('malformed client-first messages', () => {
  const bad = [
    'x,,n=u,r=abc', 'n,n=u,r=abc', 'n,,r=abc,n=u', 'n,,n=,r=abc', 'n,,n=a=2Xb,r=abc', 'n,a=bad=,n=u,r=abc',
    'n,,n=u,r=a,b', 'n,,n=u', 'n,,n=u,r=abc,m=ext', 'n,,n=u\x00,r=abc', 'n,,' + 'n=u,r=' + 'a'.repeat(3000), '',
  ];
  for (const message of bad) {
    assert.ok('error' in new ScramServer({ plus: false, bindings: null }).clientFirst(buf(message)), JSON.stringify(message));
  }
  assert.ok('error' in new ScramServer({ plus: false, bindings: null }).clientFirst(Buffer.from([0x6e, 0x2c, 0x2c, 0xff])));
});

test('malformed client-final messages: bad base64, wrong nonce, missing proof, oversized', () => {
  const keys = deriveScramKeys('secret pass');
  const fresh = () => {
    const server = new ScramServer({ plus: false, bindings: null, serverNonce: 'SRV' });
    server.clientFirst(buf('n,,n=u,r=CLI'));
    server.serverFirst(keys);
    return server;
  };
  const proof = Buffer.alloc(32).toString('base64');
  const cases: [string, string][] = [
    [`c=biws,r=CLISRV,p=not*base64`, 'bad base64 in client-final-message'],
    [`c=bi!s,r=CLISRV,p=${proof}`, 'bad base64 in client-final-message'],
    [`c=biws,r=CLIXXX,p=${proof}`, 'wrong nonce'],
    [`c=biws,r=CLISRV`, 'malformed client-final-message'],
    [`r=CLISRV,c=biws,p=${proof}`, 'malformed client-final-message'],
    [`c=biws,r=CLISRV,p=YQ==`, 'bad base64 in client-final-message'],
    [`c=biws,r=CLISRV,x=${'a'.repeat(3000)},p=${proof}`, 'SCRAM message too long'],
  ];
  for (const [message, error] of cases) assert.deepEqual(fresh().clientFinal(buf(message)), { error }, message);
  const server = fresh();
  assert.deepEqual(server.clientFinal(buf(`c=biws,r=CLISRV,p=${proof}`)), { ok: true });
  assert.equal(server.verify(keys), null);
  // A binding that does not match fails in verify, as a failed login.
  const mismatch = fresh();
  assert.deepEqual(mismatch.clientFinal(buf(`c=eSws,r=CLISRV,p=${proof}`)), { ok: true });
  assert.equal(mismatch.verify(keys), null);
});
