import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { BIN, ROOT, tempDir } from './helpers/env.ts';
import { requireTool } from './helpers/smtp.ts';

const run = promisify(execFile);
const UNIT = '/etc/systemd/system/mailfold.service';

test('install.sh installs into a throw-away root, and a second run changes nothing', async (t) => {
  if (!requireTool(t, 'systemd-sysusers') || !requireTool(t, 'systemctl') || !requireTool(t, 'systemd-analyze')) return;
  if (process.getuid?.() !== 0) return t.skip('creating a user in a root dir needs root');
  const root = tempDir(t, 'mf-root-');
  // The checkout's CLI stands in for the executable: the script only copies it and asks it for completion.
  const binary = join(tempDir(t), 'mailfold');
  writeFileSync(binary, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
  const hostPasswd = readFileSync('/etc/passwd', 'utf8');
  const hostUnit = existsSync(UNIT) ? readFileSync(UNIT, 'utf8') : null;
  const install = () => run('bash', [join(ROOT, 'packaging/install.sh'), '--root', root, '--binary', binary]);

  const first = await install();
  assert.match(first.stdout, /^installed: executable /m);
  assert.match(first.stdout, /^enabled: mailfold\.service$/m);
  const passwd = readFileSync(join(root, 'etc/passwd'), 'utf8');
  assert.match(passwd, /^mailfold:x:\d+:\d+:Mailfold mail server:\/var\/lib\/mailfold:\/usr\/sbin\/nologin$/m);
  assert.match(readFileSync(join(root, 'etc/group'), 'utf8'), /^mailfold:x:\d+:$/m);
  const exe = join(root, 'usr/local/bin/mailfold');
  assert.equal(statSync(exe).mode & 0o777, 0o755);
  assert.deepEqual(readFileSync(exe), readFileSync(binary));
  assert.equal(readFileSync(join(root, UNIT), 'utf8'), readFileSync(join(ROOT, 'packaging/mailfold.service'), 'utf8'));
  const wants = join(root, 'etc/systemd/system/multi-user.target.wants/mailfold.service');
  assert.equal(readlinkSync(wants), UNIT);
  assert.match(readFileSync(join(root, 'usr/local/share/bash-completion/completions/mailfold'), 'utf8'), /complete -o default -F _mailfold mailfold/);

  const before = { passwd, exe: statSync(exe).mtimeMs, unit: statSync(join(root, UNIT)).mtimeMs, link: lstatSync(wants).mtimeMs };
  const second = await install();
  assert.doesNotMatch(second.stdout, /^(installed|enabled|created):/m, second.stdout);
  assert.match(second.stdout, /^ok: mailfold\.service is enabled$/m);
  assert.equal(readFileSync(join(root, 'etc/passwd'), 'utf8'), before.passwd);
  assert.deepEqual(
    { passwd: before.passwd, exe: statSync(exe).mtimeMs, unit: statSync(join(root, UNIT)).mtimeMs, link: lstatSync(wants).mtimeMs },
    before,
  );

  // A new executable replaces the old one; nothing else moves.
  writeFileSync(binary, readFileSync(binary, 'utf8') + '# upgraded\n');
  assert.match((await install()).stdout, /^installed: executable /m);
  assert.deepEqual(readFileSync(exe), readFileSync(binary));

  // The real system was not touched.
  assert.equal(readFileSync('/etc/passwd', 'utf8'), hostPasswd);
  assert.equal(existsSync(UNIT) ? readFileSync(UNIT, 'utf8') : null, hostUnit);

  // systemd itself reads the unit without a complaint, given the units it refers to.
  mkdirSync(join(root, 'usr/lib/systemd'), { recursive: true });
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true });
  mkdirSync(join(root, 'bin'), { recursive: true });
  cpSync('/bin/kill', join(root, 'bin/kill'));
  const verify = await run('systemd-analyze', ['verify', `--root=${root}`, UNIT]);
  assert.equal(verify.stderr, '');
});

test('install.sh refuses bad arguments', async (t) => {
  const dir = tempDir(t);
  const script = join(ROOT, 'packaging/install.sh');
  const fails = async (args: string[], pattern: RegExp) => {
    const err = await run('bash', [script, ...args]).then(() => null, (e: { code: number; stderr: string }) => e);
    assert.ok(err, `${args.join(' ')} succeeded`);
    assert.equal(err.code, 1);
    assert.match(err.stderr, pattern);
  };
  await fails(['--root', dir, '--binary', join(dir, 'nope')], /nope: no such file/);
  await fails(['--root', join(dir, 'nope'), '--binary', BIN], /no such directory/);
  await fails(['--frobnicate'], /unknown option --frobnicate/);
  await fails(['--root', dir, '--binary'], /--binary needs a file/);
});
