import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { listenerConflicts } from './conflicts.ts';
import { sandboxConflicts } from './sandbox.ts';
import { DEFAULT_CONFIG_FILE, defaultConfig } from './defaults.ts';
import { ConfigError } from './error.ts';
import { check } from './field.ts';
import { problemLines } from './problems.ts';
import { readToml } from './read.ts';
import { fileSchema } from './schema.ts';
import type { Config, Profile } from './types.ts';

export interface LoadOptions {
  profile: Profile;
  /** --config; wins over env.MAILFOLD_CONFIG. */
  file?: string;
  /** --data-dir; wins over env.MAILFOLD_DATA and the file's data_dir. */
  dataDir?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** Defaults to process.cwd(). */
  cwd?: string;
}

/** An empty flag or variable (MAILFOLD_DATA=) means "not given", as a shell user expects. */
const given = (value: string | undefined): string | undefined => (value ? value : undefined);

/** The named file, or the profile's usual file if it exists, or null for defaults only. */
function configFile(opts: LoadOptions, env: Record<string, string | undefined>, cwd: string): string | null {
  const named = given(opts.file) ?? given(env.MAILFOLD_CONFIG);
  if (named) return resolve(cwd, named);
  const usual = resolve(cwd, DEFAULT_CONFIG_FILE[opts.profile]);
  return existsSync(usual) ? usual : null;
}

/**
 * The effective configuration: the profile's defaults, overlaid by the config file, with the
 * data dir from --data-dir, MAILFOLD_DATA, the file or the default, in that order.
 * Throws ConfigError with every problem found.
 */
export function loadConfig(opts: LoadOptions): Config {
  const env = opts.env ?? process.env;
  const cwd = resolve(opts.cwd ?? process.cwd());
  const file = configFile(opts, env, cwd);
  const defaults = defaultConfig(opts.profile, cwd);
  const raw = file === null ? {} : readToml(file);

  const parsed = check(fileSchema(defaults), raw);
  if (!parsed.ok) throw new ConfigError(problemLines(parsed.problems, raw));
  const { data_dir: fileDataDir, ...values } = parsed.value;
  const conflicts = [...listenerConflicts(values), ...sandboxConflicts(values)];
  if (conflicts.length) throw new ConfigError(conflicts);

  const flagDataDir = given(opts.dataDir) ?? given(env.MAILFOLD_DATA);
  const data_dir =
    flagDataDir !== undefined ? resolve(cwd, flagDataDir)
    : fileDataDir !== undefined && file !== null ? resolve(dirname(file), fileDataDir)
    : defaults.data_dir;
  // Certificate files, like data_dir, are relative to the file that names them.
  const base = file === null ? cwd : dirname(file);
  const tls = { ...values.tls };
  if (tls.cert_file !== undefined) tls.cert_file = resolve(base, tls.cert_file);
  if (tls.key_file !== undefined) tls.key_file = resolve(base, tls.key_file);
  const acme = values.acme.ca_file === undefined ? values.acme : { ...values.acme, ca_file: resolve(base, values.acme.ca_file) };
  const queue = values.queue.ca_file === undefined ? values.queue : { ...values.queue, ca_file: resolve(base, values.queue.ca_file) };
  const store = values.store.ca_file === undefined ? values.store : { ...values.store, ca_file: resolve(base, values.store.ca_file) };
  return { config_file: file, data_dir, ...values, tls, acme, queue, store };
}
