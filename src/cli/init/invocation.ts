import { existsSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';
import type { Profile } from '../../config/index.ts';

/** How a person runs this same CLI from where init ran, and how they start the server it set up. */
export interface Invocation {
  /** The CLI: `npx mailfold` in the checkout, `NODE CHECKOUT/bin/mailfold.js` elsewhere, `mailfold` packaged. */
  cli: string;
  serve: string;
}

export interface InvocationInput {
  profile: Profile;
  cwd: string;
  /** The script node runs (process.argv[1]); unused for the packaged executable. */
  script: string | undefined;
  execPath: string;
  path: string;
  configFile: string;
  /** The file the profile reads without --config (docs/architecture.md): then no --config is needed. */
  defaultConfigFile: string;
}

const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * A checkout (the dev profile, docs/architecture.md) runs through node; the packaged executable is
 * itself the CLI (runtimeProfile tells them apart), found by name when it is on PATH.
 */
export function invocation(i: InvocationInput): Invocation {
  const config = i.configFile === i.defaultConfigFile ? '' : ` --config ${quote(i.configFile)}`;
  // The running executable by its name when PATH finds this very file, else by its path.
  const onPath = i.path.split(delimiter).some((dir) => dir && existsSync(join(dir, basename(i.execPath))) && realpathSync(join(dir, basename(i.execPath))) === realpathSync(i.execPath));
  const self = onPath ? basename(i.execPath) : quote(i.execPath);
  if (i.profile === 'system') {
    const cli = self;
    // The systemd unit (packaging/mailfold.service) runs `serve` on the default config file.
    return { cli, serve: config ? `${cli}${config} serve` : `sudo systemctl start mailfold   (or: ${cli} serve)` };
  }
  const script = i.script ? realpathSync(i.script) : '';
  const checkout = dirname(dirname(script));
  const inCheckout = existsSync(join(checkout, 'package.json')) && realpathSync(i.cwd) === checkout;
  // Outside the checkout, the Node that runs init now (the checkout's own, pinned one), not whatever `node` is first on PATH.
  const cli = inCheckout ? 'npx mailfold' : `${self} ${quote(join(checkout, 'bin', 'mailfold.js'))}`;
  return { cli, serve: inCheckout && !config ? `npm start   (or: ${cli} serve)` : `${cli}${config} serve` };
}
