import { isIP } from 'node:net';
import { z } from 'zod';
import { formatDuration, parseDuration } from './duration.ts';
import { formatSize, parseSize } from './size.ts';
import { closest } from './suggest.ts';

/** A value as the user wrote it, for "got ..." in a problem line. */
function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'a table';
  return String(value);
}

/** Every way a leaf can fail gets the same sentence: what is allowed, and what was found. */
const expecting = (expected: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? `is missing; ${expected}` : `${expected}, got ${show(iss.input)}`;

const range = (min: number, max: number | undefined, fmt: (n: number) => string = String) =>
  max === undefined ? `of at least ${fmt(min)}` : `from ${fmt(min)} to ${fmt(max)}`;

export function int(min: number, max?: number) {
  const error = expecting(`expected an integer ${range(min, max)}`);
  const schema = z.int({ error }).min(min, { error });
  return max === undefined ? schema : schema.max(max, { error });
}

/** A whole number given as such or as a string with a unit, which `parse` reads; within bounds. */
function withUnit(error: (iss: { input?: unknown }) => string, parse: (text: string) => number | null, min: number, max?: number) {
  return z.unknown().transform((value, ctx) => {
    const n = typeof value === 'string' ? parse(value) : typeof value === 'number' && Number.isSafeInteger(value) ? value : null;
    if (n === null || n < min || (max !== undefined && n > max)) {
      ctx.addIssue({ code: 'custom', input: value, message: error({ input: value }) });
      return z.NEVER;
    }
    return n;
  });
}

/** Bytes, as a number or a string like "64k"; the string form is what people write for limits. */
export function size(min: number, max?: number) {
  const error = expecting(`expected a size ${range(min, max, formatSize)} (bytes, or a string like "64k", "50M", "1G")`);
  return withUnit(error, parseSize, min, max);
}

/** Seconds, as a number or a string like "90s", "5m", "4h", "5d". */
export function duration(min: number, max?: number) {
  const error = expecting(`expected a duration ${range(min, max, formatDuration)} (seconds, or a string like "30s", "5m", "4h", "5d")`);
  return withUnit(error, parseDuration, min, max);
}

export const bool = () => z.boolean({ error: expecting('expected true or false') });

export function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const plain = values.every((v) => /^[a-z0-9]+$/.test(v));
  const list = values.map((v) => (plain ? v : JSON.stringify(v))).join(', ');
  return z.enum(values, { error: (iss) => `must be one of ${list}; got ${show(iss.input)}` });
}

export function text() {
  const error = expecting('expected a non-empty string');
  return z.string({ error }).min(1, { error });
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;
const isHostname = (s: string) => s.length <= 253 && s.split('.').every((label) => LABEL.test(label));

/** Letters, digits, hyphens and dots; single labels such as "localhost" or a bare machine name pass. */
export function hostname() {
  const error = expecting('expected a host name of letters, digits, hyphens and dots, like "mail.example.org"');
  return z.string({ error }).refine(isHostname, { error });
}

/** Where a listener binds: an IP address ("::" is every interface, dual-stack) or a name that resolves. */
export function address() {
  const error = expecting('expected an IP address like "127.0.0.1" or "::", or a host name');
  return z.string({ error }).refine((s) => isIP(s) !== 0 || isHostname(s), { error });
}

/** A mail address, `local@domain`; whether it exists is decided where it is used. */
export function mailAddress() {
  const error = expecting('expected a mail address like "outbox@example.org"');
  return z.string({ error }).refine((s) => /^[^@\s<>]+@[^@\s<>]+$/.test(s) && isHostname(s.slice(s.indexOf('@') + 1)), { error });
}

/** A TOML table whose unknown keys are errors; the message names each key, one per line, with a suggestion. */
export function table<T extends z.core.$ZodLooseShape>(shape: T) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys'
        ? iss.keys.map((key) => unknownKey(key, known)).join('\n')
        : expecting('expected a table')(iss),
  });
}

function unknownKey(key: string, known: string[]): string {
  const guess = closest(key, known);
  return `unknown key ${JSON.stringify(key)}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}`;
}

/** Up to 8 DNS servers, each as dnsServer() takes it. */
export function dnsServers() {
  const error = expecting('expected a list of up to 8 strings like "127.0.0.1" or "127.0.0.1:5353"');
  return z.array(dnsServer(), { error }).refine((list) => list.length <= 8, { error });
}

/** A DNS server: an IP address, with a port after a colon ("127.0.0.1:5353", "[::1]:5353"). */
export function dnsServer() {
  const error = expecting('expected an IP address with an optional port, like "127.0.0.1", "127.0.0.1:5353" or "[::1]:5353"');
  return z.string({ error }).refine((s) => {
    const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
    const [ip, port] = match ? [match[1]!, Number(match[2])] : [s, 53];
    return isIP(ip) !== 0 && port >= 1 && port <= 65535;
  }, { error });
}
