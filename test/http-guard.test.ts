import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';
import { fetchText, startFullServer } from './helpers/http.ts';

const TOKEN = 'a-long-enough-metrics-token-0123';

/** An IPv4 address of this machine that is not loopback, if it has one. */
const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

test('/metrics is served to loopback clients only when no token is configured', async (t) => {
  if (!external) return t.skip('this machine has no non-loopback IPv4 address');
  const { port } = await startFullServer(t, (c) => (c.listeners.http = { enabled: true, address: '0.0.0.0', port: 0 }));
  assert.equal((await fetchText(port('http'), '/metrics')).status, 200, 'from 127.0.0.1');
  // The same request arriving on the machine's network address, as a client elsewhere would.
  const remote = await new Promise<string>((resolve, reject) => {
    const socket = connect({ port: port('http'), host: external, localAddress: external });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.write('GET /metrics HTTP/1.1\r\nHost: mail.example.org\r\nConnection: close\r\n\r\n');
  });
  assert.match(remote, /^HTTP\/1\.1 403 /);
  assert.match(remote, /\r\nX-Content-Type-Options: nosniff\r\n/);
  assert.doesNotMatch(remote, /mailfold_/);
});

test('with http.metrics_token, /metrics wants that bearer token from everyone', async (t) => {
  const { port } = await startFullServer(t, (c) => (c.http.metrics_token = TOKEN));
  const http = port('http');
  const none = await fetchText(http, '/metrics');
  assert.equal(none.status, 401);
  assert.equal(none.headers['www-authenticate'], 'Bearer realm="metrics"');
  assert.doesNotMatch(none.body, /mailfold_/);
  for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, 'Bearer']) {
    assert.equal((await fetchText(http, '/metrics', { headers: { Authorization: authorization } })).status, 401, authorization);
  }
  const ok = await fetchText(http, '/metrics', { headers: { Authorization: `Bearer ${TOKEN}` } });
  assert.equal(ok.status, 200);
  assert.match(ok.body, /^# TYPE mailfold_connections_total counter$/m);
});

test('every answer says nosniff, and answers that echo the request are plain text', async (t) => {
  const { port } = await startFullServer(t);
  const http = port('http');
  const echo = await fetchText(http, '/mail/config-v1.1.xml?emailaddress=' + encodeURIComponent('<script>alert(1)</script>'));
  assert.equal(echo.status, 400);
  assert.equal(echo.headers['x-content-type-options'], 'nosniff');
  assert.equal(echo.headers['content-type'], 'text/plain; charset=utf-8');
  for (const path of ['/healthz', '/nothing-here', '/.well-known/mta-sts.txt']) {
    assert.equal((await fetchText(http, path)).headers['x-content-type-options'], 'nosniff', path);
  }
  // A request Node's parser refuses is answered by us too, not by Node's bare 400.
  const raw = connect(http, '127.0.0.1');
  raw.end('\x00\x01 garbage \r\n\r\n');
  let answer = '';
  raw.on('data', (d: Buffer) => (answer += d.toString()));
  await once(raw, 'close');
  assert.match(answer, /^HTTP\/1\.1 400 Bad Request\r\nContent-Type: text\/plain; charset=utf-8\r\nX-Content-Type-Options: nosniff\r\n/);
  const huge = await fetchText(http, '/healthz', { headers: { 'X-Big': 'x'.repeat(20_000) } });
  assert.equal(huge.status, 431);
});
