import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, showConfig } from '../src/config/index.ts';
import { runCli, tempDir } from './helpers/env.ts';
import { freePort } from './helpers/pebble.ts';

function load(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'mf-cfg-'));
  try {
    const file = join(dir, 'mailfold.toml');
    writeFileSync(file, text);
    return loadConfig({ profile: 'dev', env: {}, cwd: dir, file });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems.map((p) => p.replace(/^.*mailfold\.toml: /, ''));
  }
  return assert.fail('expected a ConfigError');
}

test('[store] defaults to LevelDB; the PostgreSQL backend takes a URL, a pool size, TLS and a CA file relative to the config', () => {
  assert.deepEqual(load('').store, { sync: true, chunk_size: 65536, backend: 'level', pool_size: 10, tls: 'auto' });
  const config = load('[store]\nbackend = "postgres"\nurl = "postgres://mailfold:s3cret@db.example.org/mail"\npool_size = 20\ntls = "require"\nca_file = "db-ca.pem"\n');
  assert.equal(config.store.backend, 'postgres');
  assert.equal(config.store.pool_size, 20);
  assert.equal(config.store.tls, 'require');
  assert.ok(config.store.ca_file?.endsWith('/db-ca.pem') && config.store.ca_file.startsWith('/'));
  const shown = showConfig(config);
  assert.ok(!shown.includes('s3cret'), 'config show masks the database password');
  assert.match(shown, /url = "postgres:\/\/mailfold:\*+@db\.example\.org\/mail"/);
});

test('[store] refuses a PostgreSQL backend without a URL, a URL that is not postgres://, and unknown backends or TLS modes', () => {
  assert.deepEqual(problems('[store]\nbackend = "postgres"\n').map((p) => p.split(';')[0]), ['store.url: is missing']);
  assert.deepEqual(problems('[store]\nbackend = "postgres"\nurl = "mysql://x/y"\n'), ['store.url: must be a postgres:// URL']);
  assert.match(problems('[store]\nbackend = "mongo"\n')[0]!, /store\.backend: must be one of level, postgres/);
  assert.match(problems('[store]\ntls = "maybe"\n')[0]!, /store\.tls: must be one of auto, off, require/);
  assert.match(problems('[store]\npool_size = 0\n')[0]!, /store\.pool_size: expected an integer from 1 to 1000/);
});

test('a PostgreSQL store that cannot be reached, or a URL that cannot be parsed: one line without the password, exit 1', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  for (const url of [`postgres://mailfold:hunter22@127.0.0.1:${port}/mail`, 'postgres://mailfold:hunter22@[::zz]/mail']) {
    const config = join(dir, 'mailfold.toml');
    writeFileSync(config, `data_dir = "${join(dir, 'data')}"\n[store]\nbackend = "postgres"\nurl = "${url}"\ntls = "off"\n`);
    for (const args of [['store', 'migrate'], ['domain', 'list']]) {
      const result = await runCli(['--config', config, ...args], { cwd: dir });
      assert.equal(result.code, 1, `${args.join(' ')} with ${url}`);
      assert.match(result.stderr, /^mailfold: cannot open the PostgreSQL store at postgres:\/\/(mailfold:\*\*\*@|…:)/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.ok(!result.stderr.includes('hunter22'), 'the password is never printed');
    }
  }
});
