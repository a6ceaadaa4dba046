import type { Command } from 'commander';
import { connectControl } from '../admin/control-client.ts';
import type { AdminApi } from '../admin/protocol.ts';
import { AdminService } from '../admin/service.ts';
import { loadConfig, type Config } from '../config/index.ts';
import { adminSettings, openStore } from '../server.ts';
import { requireLevelStore } from '../store/level/present.ts';
import { runtimeProfile } from './profile.ts';

export interface GlobalOptions {
  config?: string;
  dataDir?: string;
  json?: boolean;
}

/** A failure the CLI reports as one line on stderr, with its exit code. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
    this.name = 'CliError';
  }
}

export const globals = (cmd: Command): GlobalOptions => cmd.optsWithGlobals<GlobalOptions>();

export function configFor(cmd: Command): Config {
  const opts = globals(cmd);
  return loadConfig({ profile: runtimeProfile(), file: opts.config, dataDir: opts.dataDir, env: process.env, cwd: process.cwd() });
}

/**
 * Runs `fn` against the running server's control socket when there is one, and
 * otherwise against the store opened here, closed again afterwards.
 */
export async function withAdmin<T>(cmd: Command, fn: (admin: AdminApi, config: Config) => Promise<T>): Promise<T> {
  const config = configFor(cmd);
  const remote = await connectControl(config.data_dir);
  if (remote) return fn(remote, config);
  if (config.store.backend === 'level') requireLevelStore(config.data_dir);
  const store = await openStore(config);
  try {
    return await fn(new AdminService(store, adminSettings(config)), config);
  } finally {
    await store.close();
  }
}

/** Prints a result as JSON with --json, or as the given human-readable text. */
export function output(cmd: Command, result: unknown, human: () => string): void {
  const text = globals(cmd).json ? JSON.stringify(result, null, 2) : human();
  if (text) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
}

