import { LISTENER_NAMES, type Config, type ListenerName } from './types.ts';

/** "::" and "0.0.0.0" take the port on every address, so they clash with any other address. */
const WILDCARDS = new Set(['::', '0.0.0.0']);
const overlap = (a: string, b: string) => a === b || WILDCARDS.has(a) || WILDCARDS.has(b);

/** Two enabled listeners on one port would fail at start with EADDRINUSE; say so at check time instead. */
export function listenerConflicts(config: Pick<Config, 'listeners'>): string[] {
  const problems: string[] = [];
  const taken: ListenerName[] = [];
  for (const name of LISTENER_NAMES) {
    const l = config.listeners[name];
    if (!l.enabled) continue;
    const other = taken.find((o) => config.listeners[o].port === l.port && overlap(config.listeners[o].address, l.address));
    if (other) problems.push(`listeners.${name}.port: ${l.port} is already used by listeners.${other}; choose another port or disable one of them`);
    taken.push(name);
  }
  return problems;
}
