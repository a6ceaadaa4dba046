/**
 * `[store] url` as libpq writes it: a unix socket is a directory in `host`
 * (`postgres://USER@/DATABASE?host=/run/postgresql`), which postgres.js does not read;
 * store/postgres/url.ts turns it into the socket file. A local database needs no TLS
 * under `tls = "auto"`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openPostgresStore } from '../src/store/postgres/store.ts';
import { pgTarget } from '../src/store/postgres/url.ts';
import { launchPostgres, postgresInstalled } from './helpers/postgres.ts';

test('pgTarget: TCP URLs as they are, libpq socket URLs to a socket file, and which are local', () => {
  assert.deepEqual(pgTarget('postgres://m:pw@db.example.org/mailfold'), { url: 'postgres://m:pw@db.example.org/mailfold', local: false });
  assert.equal(pgTarget('postgres://m:pw@127.0.0.1:5433/mailfold').local, true);
  assert.equal(pgTarget('postgresql://m@LOCALHOST/mailfold').local, true);
  assert.equal(pgTarget('postgres://m@[::1]:5432/mailfold').local, true);
  assert.equal(pgTarget('postgres://m@127.example.org/mailfold').local, false);
  assert.deepEqual(pgTarget('postgres://mailfold@/mailfold?host=/run/postgresql'), {
    url: 'postgres://mailfold@localhost:5432/mailfold',
    path: '/run/postgresql/.s.PGSQL.5432',
    local: true,
  });
  assert.deepEqual(pgTarget('postgres://m:s%40cret@/mail?host=/tmp/pg/&port=6000&application_name=x'), {
    url: 'postgres://m:s%40cret@localhost:6000/mail?application_name=x',
    path: '/tmp/pg/.s.PGSQL.6000',
    local: true,
  });
  assert.equal(pgTarget('postgres://m@:7000/mail?host=/sock').path, '/sock/.s.PGSQL.7000');
  // A host parameter that is not a directory is not a socket; nothing that is not a URL is changed.
  assert.deepEqual(pgTarget('postgres://m@db.example.org/mail?host=other'), { url: 'postgres://m@db.example.org/mail?host=other', local: false });
  assert.deepEqual(pgTarget('not a url'), { url: 'not a url', local: false });
});

test('a store opens through the unix socket of a local PostgreSQL, TLS off under "auto"', async (t) => {
  if (!postgresInstalled()) {
    if (process.env.CI === 'true') throw new Error('PostgreSQL is not installed (.ci/run installs postgresql)');
    return t.skip('PostgreSQL is not installed');
  }
  const cluster = await launchPostgres();
  t.after(() => cluster.stop());
  const url = cluster.socketUrl(await cluster.createDatabase());
  const store = await openPostgresStore({ url, poolSize: 2, tls: { mode: 'auto' }, chunkSize: 65536 });
  t.after(() => store.close());
  const [row] = await store.core.sql<{ addr: string | null; ssl: boolean }[]>`SELECT inet_client_addr() AS addr, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
  assert.deepEqual(row, { addr: null, ssl: false }, 'a unix socket connection has no client address');
  await store.addDomain('example.org');
  assert.ok(await store.getDomain('example.org'));
});
