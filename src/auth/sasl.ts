import { ScramServer, type ChannelBindings } from './scram.ts';

/**
 * SASL PLAIN (RFC 4616), LOGIN and SCRAM-SHA-256(-PLUS) (RFC 7677) decoding, shared by POP3 (RFC 5034), IMAP
 * (RFC 3501 AUTHENTICATE) and SMTP (RFC 4954). Pure: the protocols move the
 * base64 lines, this module decides what they mean.
 */

export const SASL_MECHANISMS = ['PLAIN', 'LOGIN'] as const;

/** SCRAM is offered to every account (one without keys fails like a wrong password); -PLUS only over TLS. */
export const scramMechanisms = (secure: boolean): string[] => (secure ? ['SCRAM-SHA-256', 'SCRAM-SHA-256-PLUS'] : ['SCRAM-SHA-256']);

/** What SCRAM needs from the connection and the store. */
export interface SaslContext {
  /** The connection's channel-binding data; null without TLS. */
  bindings: ChannelBindings | null;
  /** The salt and iteration count to send for a user name (made-up ones for an unknown account). */
  scramParams(username: string): Promise<{ salt: string; iterations: number }>;
}

export interface SaslCredentials {
  /** The identity to act as; empty when it is the authenticating identity itself. */
  authzid: string;
  username: string;
  password: string;
  /** SCRAM: the finished exchange, whose proof is checked against the account's keys instead of a password. */
  scram?: ScramServer;
}

/** What the protocol does next: send a challenge, check credentials, or fail the exchange. */
export type SaslStep =
  | { type: 'challenge'; challenge: string }
  | { type: 'done'; credentials: SaslCredentials }
  | { type: 'error'; reason: string };

export interface SaslExchange {
  /**
   * Feeds one client response (already decoded), or null when the client sent
   * no initial response.
   */
  step(response: Buffer | null): SaslStep | Promise<SaslStep>;
}

/** A decoded client line: bytes, the client's `*` cancellation, or bad base64. */
export type SaslResponse = { type: 'data'; data: Buffer } | { type: 'cancel' } | { type: 'invalid' };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A field longer than this is hostile, not a credential. */
const MAX_FIELD = 1024;

/**
 * Decodes a client response line. `=` is the empty response (RFC 4954, 5034,
 * 9051 SASL-IR); base64 is checked strictly because Buffer.from silently skips junk.
 */
export function decodeSaslResponse(line: string): SaslResponse {
  if (line === '*') return { type: 'cancel' };
  if (line === '=') return { type: 'data', data: Buffer.alloc(0) };
  if (line.length === 0 || !BASE64.test(line)) return { type: 'invalid' };
  return { type: 'data', data: Buffer.from(line, 'base64') };
}

export const encodeChallenge = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** Starts an exchange for a mechanism name (case-insensitive), or null when it is not offered. */
export function startSasl(mechanism: string, context?: SaslContext): SaslExchange | null {
  const name = mechanism.toUpperCase();
  if (name === 'PLAIN') return plainExchange();
  if (name === 'LOGIN') return loginExchange();
  if (context && name === 'SCRAM-SHA-256') return scramExchange(context, false);
  if (context?.bindings && name === 'SCRAM-SHA-256-PLUS') return scramExchange(context, true);
  return null;
}

function decodeField(bytes: Buffer, what: string): string | { error: string } {
  if (bytes.length > MAX_FIELD) return { error: `${what} too long` };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD')) return { error: `${what} is not UTF-8` };
  return text;
}

/** PLAIN is one message: authzid NUL authcid NUL password. */
export function parsePlain(message: Buffer): SaslCredentials | { error: string } {
  const first = message.indexOf(0);
  const second = first === -1 ? -1 : message.indexOf(0, first + 1);
  if (second === -1 || message.indexOf(0, second + 1) !== -1) return { error: 'malformed PLAIN message' };
  const authzid = decodeField(message.subarray(0, first), 'authorization identity');
  const username = decodeField(message.subarray(first + 1, second), 'user name');
  const password = decodeField(message.subarray(second + 1), 'password');
  for (const field of [authzid, username, password]) if (typeof field !== 'string') return field;
  if (username === '') return { error: 'empty user name' };
  return { authzid: authzid as string, username: username as string, password: password as string };
}

function plainExchange(): SaslExchange {
  return {
    step(response) {
      // Without an initial response the client is asked with an empty challenge.
      if (response === null) return { type: 'challenge', challenge: '' };
      const parsed = parsePlain(response);
      return 'error' in parsed ? { type: 'error', reason: parsed.error } : { type: 'done', credentials: parsed };
    },
  };
}

/** LOGIN asks for the user name, then the password, one challenge each. */
function loginExchange(): SaslExchange {
  let username: string | null = null;
  return {
    step(response) {
      if (response === null) return { type: 'challenge', challenge: encodeChallenge('Username:') };
      const field = decodeField(response, username === null ? 'user name' : 'password');
      if (typeof field !== 'string') return { type: 'error', reason: field.error };
      if (username === null) {
        if (field === '') return { type: 'error', reason: 'empty user name' };
        username = field;
        return { type: 'challenge', challenge: encodeChallenge('Password:') };
      }
      return { type: 'done', credentials: { authzid: '', username, password: field } };
    },
  };
}

/** SCRAM: client-first, server-first, client-final; the proof is checked by the login under the throttle. */
function scramExchange(context: SaslContext, plus: boolean): SaslExchange {
  const server = new ScramServer({ plus, bindings: context.bindings });
  let first: { username: string; authzid: string } | null = null;
  return {
    async step(response) {
      if (response === null) return { type: 'challenge', challenge: '' };
      if (first === null) {
        const parsed = server.clientFirst(response);
        if ('error' in parsed) return { type: 'error', reason: parsed.error };
        first = parsed;
        return { type: 'challenge', challenge: encodeChallenge(server.serverFirst(await context.scramParams(parsed.username))) };
      }
      const final = server.clientFinal(response);
      if ('error' in final) return { type: 'error', reason: final.error };
      return { type: 'done', credentials: { ...first, password: '', scram: server } };
    },
  };
}
