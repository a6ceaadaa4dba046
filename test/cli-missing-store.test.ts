import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fails } from './helpers/cli.ts';
import { runCli, tempDir } from './helpers/env.ts';

test('a data dir without a store is refused with one line, and nothing is created in it; only init and serve --create make one', async (t) => {
  const cwd = tempDir(t);
  const typo = join(cwd, 'dta');
  const message = new RegExp(`^mailfold: no store in ${typo}: run \`mailfold init\``);
  await fails(runCli(['--data-dir', typo, 'user', 'list'], { cwd }), message);
  await fails(runCli(['--data-dir', typo, 'domain', 'add', 'example.org'], { cwd }), message);
  await fails(runCli(['--data-dir', typo, 'serve'], { cwd }), message);
  assert.equal(existsSync(typo), false, 'no empty store was made');
  // The default data dir of a checkout is no exception: `npm start` passes --create.
  await fails(runCli(['domain', 'list'], { cwd }), new RegExp(`^mailfold: no store in ${join(cwd, 'data')}: run`));
  assert.equal(existsSync(join(cwd, 'data')), false);
});
