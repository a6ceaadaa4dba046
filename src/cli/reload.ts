import type { Config } from '../config/index.ts';
import type { Logger } from '../log/logger.ts';

/** Keys a running server applies on SIGHUP; every other change waits for a restart. */
const RELOADABLE = new Set(['log.level']);

/** Every leaf of a config as a dotted key and its JSON value. */
function leaves(value: unknown, prefix = ''): Map<string, string> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return new Map([[prefix, JSON.stringify(value)]]);
  const out = new Map<string, string>();
  for (const [key, inner] of Object.entries(value)) {
    for (const [k, v] of leaves(inner, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
  }
  return out;
}

/** The dotted keys whose values differ between two configs. */
export function changedKeys(before: Config, after: Config): string[] {
  const a = leaves(before);
  const b = leaves(after);
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/**
 * SIGHUP: reads the config again and applies what can change under running sessions
 * (the log level); a file with problems changes nothing. Returns the config now in force.
 */
export function reloadConfig(load: () => Config, running: Config, log: Logger): Config {
  let next: Config;
  try {
    next = load();
  } catch (err) {
    log.error({ problems: (err as Error).message.split('\n') }, 'config reload failed; the running configuration stays');
    return running;
  }
  const changed = changedKeys(running, next);
  const applied = changed.filter((k) => RELOADABLE.has(k));
  const later = changed.filter((k) => !RELOADABLE.has(k));
  if (applied.includes('log.level')) log.level = next.log.level;
  log.info({ applied }, 'config reloaded');
  if (later.length) log.warn({ keys: later }, 'these changes take effect after a restart');
  return { ...running, log: { ...running.log, level: next.log.level } };
}
