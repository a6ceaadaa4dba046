import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { fails, ok, workspace } from './helpers/cli.ts';
import { connectSieve, plainLogin, sieveCommand } from './helpers/managesieve.ts';
import { serveOnFreePorts } from './helpers/serve.ts';

const USER = 'alice@example.org';
const PASSWORD = 'correct horse battery';
const FILTER = 'require ["fileinto"];\nif header :contains "list-id" "lists.example" {\n  fileinto "Lists";\n}\n';
const BROKEN = 'require ["fileinto"];\nif true {\n  fileinto "Lists"\n}\n';

test('mailfold sieve without a server: put (file and stdin), list, show, check, activate, delete, and the refusals', async (t) => {
  const { cwd, cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', USER, '--password-stdin'], PASSWORD));
  writeFileSync(join(cwd, 'filters.sieve'), FILTER);
  writeFileSync(join(cwd, 'broken.sieve'), BROKEN);

  assert.match((await ok(cli(['sieve', 'list', USER]))).stdout, /has no Sieve scripts/);
  assert.equal((await ok(cli(['sieve', 'put', USER, 'filters', join(cwd, 'filters.sieve')]))).stdout, 'stored filters\n');
  assert.equal((await ok(cli(['sieve', 'put', USER, 'spare', '--activate'], 'keep;\n'))).stdout, 'stored spare (active)\n');
  await fails(cli(['sieve', 'put', USER, 'broken', join(cwd, 'broken.sieve')]), /^mailfold: line 4, column 1: expected ";" or "\{" after fileinto but found "\}"$/);
  await fails(cli(['sieve', 'check', join(cwd, 'broken.sieve')]), /^mailfold: line 4, column 1: /);
  assert.equal((await ok(cli(['sieve', 'check'], FILTER))).stdout, 'the script is valid\n');
  assert.equal((await ok(cli(['sieve', 'check', USER, join(cwd, 'filters.sieve')]))).stdout, 'the script is valid\n');
  await fails(cli(['sieve', 'check', join(cwd, 'missing.sieve')]), /^mailfold: cannot read .*missing\.sieve: ENOENT$/);

  assert.match((await ok(cli(['sieve', 'list', USER]))).stdout, /^NAME\s+ACTIVE\nfilters\s*\nspare\s+yes\n$/);
  assert.equal((await ok(cli(['sieve', 'show', USER, 'filters']))).stdout, FILTER);
  await fails(cli(['sieve', 'show', USER, 'nothing']), /^mailfold: There is no script named nothing$/);
  await fails(cli(['sieve', 'show', 'nobody@example.org', 'filters']), /^mailfold: no such account: nobody@example\.org$/);
  await ok(cli(['sieve', 'activate', USER, 'filters']));
  await fails(cli(['sieve', 'delete', USER, 'filters']), /is active; activate another script \(or none\) first$/);
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'sieve', 'list', USER]))).stdout), [{ name: 'filters', active: true }, { name: 'spare', active: false }]);
  await ok(cli(['sieve', 'deactivate', USER]));
  assert.equal((await ok(cli(['sieve', 'delete', USER, 'filters']))).stdout, 'deleted filters\n');
  await fails(cli(['sieve', 'put', USER, 'bad\u0001name'], 'keep;\n'), /^mailfold: a script name is 1 to 128 characters without control characters$/);
});

test('mailfold vacation: on includes the active script, off makes it active again; bad settings are refused', async (t) => {
  const { cwd, cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', USER, '--password-stdin'], PASSWORD));
  await ok(cli(['sieve', 'put', USER, 'filters', '--activate'], FILTER));
  writeFileSync(join(cwd, 'away.txt'), 'I am away until the 3rd.\nUrgent matters: "bob@example.org" \\ thanks.\n');

  await fails(cli(['vacation', USER, '--on', '--subject', 'Away']), /^mailfold: --on needs --subject and --message/);
  await fails(cli(['vacation', USER, '--on', '--off']), /^mailfold: give --on or --off$/);
  await fails(cli(['vacation', USER, '--on', '--subject', 'Away', '--message', 'x', '--until', '2026-02-30']), /^mailfold: the date "2026-02-30" is not a day like 2026-12-31$/);
  const on = await ok(cli(['vacation', USER, '--on', '--subject', 'Away: "out"', '--message-file', join(cwd, 'away.txt'), '--until', '2026-12-31']));
  assert.equal(on.stdout, `vacation is on for ${USER} until 2026-12-31; filters runs as well\n`);
  assert.match((await ok(cli(['sieve', 'list', USER]))).stdout, /^NAME\s+ACTIVE\nfilters\s*\nmailfold-vacation\s+yes\n$/);
  const script = (await ok(cli(['sieve', 'show', USER, 'mailfold-vacation']))).stdout;
  assert.match(script, /^if currentdate :value "le" "date" "2026-12-31" \{\r$/m);
  assert.match(script, /:subject "Away: \\"out\\"" "I am away until the 3rd\.\r\nUrgent matters: \\"bob@example\.org\\" \\\\ thanks\.\r\n";/);
  assert.match(script, /^include :personal :optional "filters";\r$/m);
  // What was written parses, as anything stored must.
  assert.equal((await ok(cli(['sieve', 'check'], script))).stdout, 'the script is valid\n');
  // Turned on again (new text): still including the user's script, not itself.
  await ok(cli(['vacation', USER, '--on', '--subject', 'Still away', '--message', 'Back soon.']));
  assert.match((await ok(cli(['sieve', 'show', USER, 'mailfold-vacation']))).stdout, /^include :personal :optional "filters";\r$/m);

  assert.equal((await ok(cli(['vacation', USER, '--off']))).stdout, `vacation is off for ${USER}; filters is active\n`);
  assert.match((await ok(cli(['sieve', 'list', USER]))).stdout, /^NAME\s+ACTIVE\nfilters\s+yes\n$/);
  // Without a script of the user's, the reply stands alone and off leaves none active.
  await ok(cli(['sieve', 'deactivate', USER]));
  await ok(cli(['vacation', USER, '--on', '--subject', 'Away', '--message', 'Gone fishing.', '--days', '3']));
  const alone = (await ok(cli(['sieve', 'show', USER, 'mailfold-vacation']))).stdout;
  assert.doesNotMatch(alone, /^include/m);
  assert.match(alone, /^vacation :days 3 :subject "Away" "Gone fishing\.";\r$/m);
  assert.equal((await ok(cli(['vacation', USER, '--off']))).stdout, `vacation is off for ${USER}\n`);
});

test('while the server runs, mailfold sieve goes through the control socket and ManageSieve sees the same scripts', async (t) => {
  const { cwd, cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', USER, '--password-stdin'], PASSWORD));
  const { ports } = await serveOnFreePorts(t, cwd);
  await ok(cli(['sieve', 'put', USER, 'filters', '--activate'], FILTER));
  await ok(cli(['vacation', USER, '--on', '--subject', 'Away', '--message', 'Back on Monday.']));
  const { client } = await connectSieve(ports.managesieve);
  t.after(() => client.close());
  assert.equal((await plainLogin(client, USER, PASSWORD)).status, 'OK "Logged in"');
  assert.deepEqual((await sieveCommand(client, 'LISTSCRIPTS')).lines, ['"filters"', '"mailfold-vacation" ACTIVE']);
  await fails(cli(['sieve', 'put', USER, 'broken'], BROKEN), /^mailfold: line 4, column 1: /);
  await ok(cli(['vacation', USER, '--off']));
  assert.deepEqual((await sieveCommand(client, 'LISTSCRIPTS')).lines, ['"filters" ACTIVE']);
});
