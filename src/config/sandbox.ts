import { isIP } from 'node:net';
import type { Config } from './types.ts';

/** Loopback, RFC 1918 and unique-local (fc00::/7) addresses: a network of one machine or one site. */
export function isPrivateAddress(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  const lower = address.toLowerCase();
  return lower === '::1' || /^f[cd][0-9a-f]{2}:/.test(lower);
}

/**
 * Sandbox mode accepts any login and any sender, so it may never run where it could be
 * mistaken for a mail server of the world: its SMTP listeners stay on private addresses
 * (no wildcard), and nothing is configured that would send mail out.
 */
export function sandboxConflicts(config: Pick<Config, 'sandbox' | 'listeners' | 'smtp' | 'queue'>): string[] {
  if (!config.sandbox.enabled) return [];
  const problems: string[] = [];
  for (const name of ['smtp', 'submission', 'submissions'] as const) {
    const l = config.listeners[name];
    if (l.enabled && !isPrivateAddress(l.address)) {
      problems.push(`listeners.${name}.address: sandbox mode accepts any login, so it listens on loopback or private addresses only, not "${l.address}"`);
    }
  }
  if (config.smtp.smarthost) problems.push('smtp.smarthost: sandbox mode sends nothing out; remove the smarthost or turn the sandbox off');
  if (config.queue.capture && config.queue.capture !== config.sandbox.account) {
    problems.push(`queue.capture: sandbox mode captures into sandbox.account (${config.sandbox.account}); remove queue.capture`);
  }
  return problems;
}
