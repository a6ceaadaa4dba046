import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fails, ok, workspace } from './helpers/cli.ts';

const PASSWORD = 'correct horse battery\n';

test('user add --admin, user admin and user admin --revoke set the web admin role', async (t) => {
  const { cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  assert.match((await ok(cli(['user', 'add', 'root@example.org', '--admin', '--password-stdin'], PASSWORD))).stdout, /^added admin account root@example\.org$/m);
  await ok(cli(['user', 'add', 'kid@example.org', '--password-stdin'], PASSWORD));
  assert.equal(JSON.parse((await ok(cli(['--json', 'user', 'show', 'root@example.org']))).stdout).admin, true);
  assert.equal(JSON.parse((await ok(cli(['--json', 'user', 'show', 'kid@example.org']))).stdout).admin, false);
  assert.match((await ok(cli(['user', 'admin', 'kid@example.org']))).stdout, /kid@example\.org is now an admin/);
  assert.match((await ok(cli(['user', 'show', 'kid@example.org']))).stdout, /^status:\s+enabled, admin$/m);
  assert.match((await ok(cli(['user', 'admin', 'kid@example.org', '--revoke']))).stdout, /no longer an admin/);
  assert.match((await ok(cli(['user', 'show', 'kid@example.org']))).stdout, /^status:\s+enabled$/m);
  await fails(cli(['user', 'admin', 'nobody@example.org']), /^mailfold: no such account: nobody@example\.org$/);
});

test('user app-password add, list and remove', async (t) => {
  const { cli } = workspace(t);
  await ok(cli(['domain', 'add', 'example.org']));
  await ok(cli(['user', 'add', 'kid@example.org', '--password-stdin'], PASSWORD));
  const made = await ok(cli(['user', 'app-password', 'add', 'kid@example.org', 'phone']));
  const password = /^([a-z2-9]{5}(?:-[a-z2-9]{5}){3})$/m.exec(made.stdout)?.[1];
  assert.ok(password, made.stdout);
  const list = JSON.parse((await ok(cli(['--json', 'user', 'app-password', 'list', 'kid@example.org']))).stdout);
  assert.deepEqual(list.map((p: { name: string }) => p.name), ['phone']);
  assert.doesNotMatch((await ok(cli(['user', 'app-password', 'list', 'kid@example.org']))).stdout, new RegExp(password));
  await fails(cli(['user', 'app-password', 'add', 'kid@example.org', 'phone']), /already an app password named "phone"/);
  await fails(cli(['user', 'app-password', 'remove', 'kid@example.org', 'nothex']), /not an app password id/);
  assert.match((await ok(cli(['user', 'app-password', 'remove', 'kid@example.org', list[0].id]))).stdout, /revoked app password/);
  assert.deepEqual(JSON.parse((await ok(cli(['--json', 'user', 'app-password', 'list', 'kid@example.org']))).stdout), []);
});
