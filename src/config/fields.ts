import { isIP } from 'node:net';
import { formatDuration, parseDuration } from './duration.ts';
import { Field, leaf, list, table as tableOf, type TableRule } from './field.ts';
import { formatSize, parseSize } from './size.ts';
import { closest } from './suggest.ts';
import { parseNetwork } from '../net/networks.ts';

/** A problem line quotes at most this much of a string the file wrote. */
const QUOTED = 200;

/** A string quoted; a very long one is cut, so that a problem stays one readable line. */
const quote = (s: string) => (s.length <= QUOTED ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, QUOTED))}... (${s.length} characters)`);

/** A value as the user wrote it, for "got ..." in a problem line. */
function show(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (value instanceof Date) return 'a date';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'a table';
  return String(value);
}

/** Every way a value can fail gets the same sentence: what is allowed, and what was found. */
const expecting = (expected: string) => (value: unknown) => (value === undefined ? `is missing; ${expected}` : `${expected}, got ${show(value)}`);

const range = (min: number, max: number | undefined, fmt: (n: number) => string = String) =>
  max === undefined ? `of at least ${fmt(min)}` : `from ${fmt(min)} to ${fmt(max)}`;

const within = (n: number, min: number, max = Infinity) => n >= min && n <= max;

export function int(min: number, max?: number): Field<number> {
  return leaf((v) => (typeof v === 'number' && Number.isSafeInteger(v) && within(v, min, max) ? v : null), expecting(`expected an integer ${range(min, max)}`));
}

/** A number with a fraction allowed (a spam score), within bounds. */
export function decimal(min: number, max: number): Field<number> {
  return leaf((v) => (typeof v === 'number' && Number.isFinite(v) && within(v, min, max) ? v : null), expecting(`expected a number ${range(min, max)}`));
}

/** A whole number given as such or as a string with a unit, which `parse` reads; within bounds. */
function withUnit(message: (value: unknown) => string, parse: (text: string) => number | null, min: number, max?: number): Field<number> {
  return leaf((v) => {
    const n = typeof v === 'string' ? parse(v) : typeof v === 'number' && Number.isSafeInteger(v) ? v : null;
    return n !== null && within(n, min, max) ? n : null;
  }, message);
}

/** Bytes, as a number or a string like "64k"; the string form is what people write for limits. */
export function size(min: number, max?: number): Field<number> {
  return withUnit(expecting(`expected a size ${range(min, max, formatSize)} (bytes, or a string like "64k", "50M", "1G")`), parseSize, min, max);
}

/** Seconds, as a number or a string like "90s", "5m", "4h", "5d". */
export function duration(min: number, max?: number): Field<number> {
  return withUnit(expecting(`expected a duration ${range(min, max, formatDuration)} (seconds, or a string like "30s", "5m", "4h", "5d")`), parseDuration, min, max);
}

export const bool = (): Field<boolean> => leaf((v) => (typeof v === 'boolean' ? v : null), expecting('expected true or false'));

export function oneOf<const T extends readonly [string, ...string[]]>(values: T): Field<T[number]> {
  const plain = values.every((v) => /^[a-z0-9]+$/.test(v));
  const list = values.map((v) => (plain ? v : JSON.stringify(v))).join(', ');
  const allowed: readonly unknown[] = values;
  return leaf((v) => (allowed.includes(v) ? (v as T[number]) : null), (v) => `must be one of ${list}; got ${show(v)}`);
}

/** A string that passes `test`; anything else gets `expected`. */
const string = (expected: string, test: (s: string) => boolean): Field<string> =>
  leaf((v) => (typeof v === 'string' && test(v) ? v : null), expecting(expected));

export const text = (): Field<string> => string('expected a non-empty string', (s) => s.length > 0);

/** SPF mechanisms (RFC 7208 section 5) without "all", e.g. "include:_spf.provider.example" or "ip4:192.0.2.0/24 a:relay.example". */
export const spfMechanisms = (): Field<string> =>
  string('expected SPF mechanisms such as "include:_spf.provider.example" (without v=spf1 and all)', (s) =>
    s.length <= 450 && s.trim().split(/\s+/).every((term) => /^[+?~-]?(?:include|exists|a|mx|ip4|ip6|ptr)(?::[!-~]+)?$/i.test(term) && !/^[+?~-]?(?:include|exists):?$/i.test(term)),
  );

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** Letters, digits, hyphens and dots; single labels such as "localhost" or a bare machine name pass. */
export const isHostname = (s: string) => s.length <= 253 && s.split('.').every((label) => LABEL.test(label));

export const hostname = (): Field<string> =>
  string('expected a host name of letters, digits, hyphens and dots, like "mail.example.org"', isHostname);

/** Where a listener binds: an IP address ("::" is every interface, dual-stack) or a name that resolves. */
export const address = (): Field<string> =>
  string('expected an IP address like "127.0.0.1" or "::", or a host name', (s) => isIP(s) !== 0 || isHostname(s));

/** Up to 64 networks, each "10.0.0.0/8", "2001:db8::/32" or a single address. */
export const networks = (): Field<string[]> =>
  list(
    string('expected a network like "10.0.0.0/8" or "2001:db8::/32", or one address', (s) => parseNetwork(s) !== null),
    64,
    expecting('expected a list of up to 64 networks like ["10.0.0.0/8", "2001:db8::/32"]'),
  );

/** A mail address, `local@domain`; whether it exists is decided where it is used. */
export const mailAddress = (): Field<string> =>
  string('expected a mail address like "outbox@example.org"', (s) => /^[^@\s<>]+@[^@\s<>]+$/.test(s) && isHostname(s.slice(s.indexOf('@') + 1)));

function unknownKey(key: string, known: string[]): string {
  const guess = closest(key, known);
  return `unknown key ${quote(key)}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}`;
}

/** A TOML table whose unknown keys are errors, each with a suggestion when one is close. */
export const table = <S extends Record<string, Field<unknown>>>(shape: S, ...rules: TableRule[]) =>
  tableOf(shape, expecting('expected a table'), unknownKey, rules);

/** Up to 16 DNS zones (DNSBL, DNSWL), each a host name. */
export const dnsZones = (): Field<string[]> =>
  list(hostname(), 16, expecting('expected a list of up to 16 DNS zones like "list.example.org"'));

/** Up to 8 DNS servers, each as dnsServer() takes it. */
export const dnsServers = (): Field<string[]> =>
  list(dnsServer(), 8, expecting('expected a list of up to 8 strings like "127.0.0.1" or "127.0.0.1:5353"'));

/** A DNS server: an IP address, with a port after a colon ("127.0.0.1:5353", "[::1]:5353"). */
export const dnsServer = (): Field<string> =>
  string('expected an IP address with an optional port, like "127.0.0.1", "127.0.0.1:5353" or "[::1]:5353"', (s) => {
    const match = /^\[([^\]]+)\]:(\d{1,5})$/.exec(s) ?? /^([^:]+):(\d{1,5})$/.exec(s);
    const [ip, port] = match ? [match[1]!, Number(match[2])] : [s, 53];
    return isIP(ip) !== 0 && port >= 1 && port <= 65535;
  });
