/**
 * SCRAM-SHA-256 and SCRAM-SHA-256-PLUS (RFC 5802, RFC 7677), server side. Pure: the
 * caller supplies the account's stored keys and the connection's channel-binding data;
 * this module parses the client's messages and checks its proof.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/** RFC 7677 asks for at least 4096 iterations. */
export const SCRAM_ITERATIONS = 4096;

/** A SCRAM message longer than this is hostile: a real one is a few hundred bytes. */
const MAX_MESSAGE = 2048;

/** What is stored beside the argon2id hash (base64 fields); the password itself cannot be recovered from it. */
export interface ScramKeys {
  salt: string;
  iterations: number;
  storedKey: string;
  serverKey: string;
}

/** The channel-binding data the connection offers, by RFC 5056 name; null without TLS. */
export type ChannelBindings = Partial<Record<'tls-exporter' | 'tls-server-end-point', Buffer>>;

const hmac = (key: Buffer, data: string | Buffer): Buffer => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer): Buffer => createHash('sha256').update(data).digest();

/**
 * Derives the keys from a password. SASLprep is approximated by NFKC, which is the same
 * for the ASCII passwords nearly everyone uses.
 */
export function deriveScramKeys(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): ScramKeys {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  return {
    salt: salt.toString('base64'),
    iterations,
    storedKey: sha256(hmac(salted, 'Client Key')).toString('base64'),
    serverKey: hmac(salted, 'Server Key').toString('base64'),
  };
}

const decode = (text: string): Buffer | null =>
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text) ? Buffer.from(text, 'base64') : null;

/** saslname (RFC 5802 §5.1): `,` and `=` arrive as =2C and =3D; any other `=` is malformed. */
function saslname(value: string): string | null {
  if (value === '' || /=(?!2C|3D)/.test(value)) return null;
  return value.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** Splits `k=v` attributes; null when one is not of that form. */
function attributes(text: string): [string, string][] | null {
  const out: [string, string][] = [];
  for (const part of text.split(',')) {
    if (!/^[A-Za-z]=/.test(part)) return null;
    out.push([part[0]!, part.slice(2)]);
  }
  return out;
}

export type ScramResult<T> = T | { error: string };

/**
 * One exchange. `plus` is the mechanism asked for (-PLUS); `bindings` is what the
 * connection can bind to (null without TLS, where -PLUS is not offered).
 */
export class ScramServer {
  readonly #plus: boolean;
  readonly #bindings: ChannelBindings | null;
  readonly #serverNonce: string;
  #gs2Header = '';
  #bare = '';
  #nonce = '';
  #serverFirst = '';
  #withoutProof = '';
  #proof: Buffer = Buffer.alloc(0);
  #cbName: keyof ChannelBindings | null = null;
  #bindingMatches = false;

  constructor(opts: { plus: boolean; bindings: ChannelBindings | null; serverNonce?: string }) {
    this.#plus = opts.plus;
    this.#bindings = opts.bindings;
    this.#serverNonce = opts.serverNonce ?? randomBytes(18).toString('base64');
  }

  /** Parses client-first-message: gs2-header, then n=username,r=nonce. */
  clientFirst(message: Buffer): ScramResult<{ username: string; authzid: string }> {
    if (message.length > MAX_MESSAGE) return { error: 'SCRAM message too long' };
    const text = message.toString('utf8');
    if (text.includes('\uFFFD') || /[\x00-\x1f\x7f]/.test(text)) return { error: 'SCRAM message is not printable UTF-8' };
    const match = /^(n|y|p=[A-Za-z0-9.-]+),(a=[^,]*)?,(.*)$/.exec(text);
    if (!match) return { error: 'malformed GS2 header' };
    const [, flag, authzField, bare] = match as unknown as [string, string, string | undefined, string];
    if (flag.startsWith('p=')) {
      if (!this.#plus) return { error: 'channel binding requested with a mechanism without -PLUS' };
      const name = flag.slice(2);
      if (name !== 'tls-exporter' && name !== 'tls-server-end-point') return { error: 'unsupported channel binding type' };
      if (!this.#bindings?.[name]) return { error: 'channel binding type not available on this connection' };
      this.#cbName = name;
    } else if (this.#plus) {
      return { error: 'SCRAM-SHA-256-PLUS without channel binding' };
    } else if (flag === 'y' && this.#bindings) {
      // The client could bind but believes the server cannot, yet -PLUS is offered here: a downgrade.
      return { error: 'channel binding downgrade' };
    }
    let authzid = '';
    if (authzField !== undefined) {
      const name = saslname(authzField.slice(2));
      if (name === null) return { error: 'malformed authorization identity' };
      authzid = name;
    }
    const attrs = attributes(bare);
    if (!attrs || attrs.length < 2 || attrs[0]![0] !== 'n' || attrs[1]![0] !== 'r') return { error: 'malformed client-first-message' };
    const username = saslname(attrs[0]![1]);
    const nonce = attrs[1]![1];
    if (username === null) return { error: 'malformed user name' };
    if (!/^[\x21-\x2b\x2d-\x7e]+$/.test(nonce)) return { error: 'malformed nonce' };
    if (attrs.slice(2).some(([key]) => key === 'm')) return { error: 'unsupported mandatory extension' };
    this.#gs2Header = text.slice(0, text.length - bare.length);
    this.#bare = bare;
    this.#nonce = nonce + this.#serverNonce;
    return { username, authzid };
  }

  /** server-first-message, with the account's salt and count (or made-up ones for an unknown account). */
  serverFirst(params: { salt: string; iterations: number }): string {
    this.#serverFirst = `r=${this.#nonce},s=${params.salt},i=${params.iterations}`;
    return this.#serverFirst;
  }

  /**
   * Parses client-final-message and checks the nonce. A channel binding that does not match
   * fails in verify(), like a wrong proof, so that it counts as a failed login.
   */
  clientFinal(message: Buffer): ScramResult<{ ok: true }> {
    if (message.length > MAX_MESSAGE) return { error: 'SCRAM message too long' };
    const text = message.toString('utf8');
    const attrs = attributes(text);
    if (!attrs || attrs.length < 3 || attrs[0]![0] !== 'c' || attrs[1]![0] !== 'r' || attrs.at(-1)![0] !== 'p') {
      return { error: 'malformed client-final-message' };
    }
    const binding = decode(attrs[0]![1]);
    const proof = decode(attrs.at(-1)![1]);
    if (!binding || !proof || proof.length !== 32) return { error: 'bad base64 in client-final-message' };
    const cbData = this.#cbName ? this.#bindings![this.#cbName]! : Buffer.alloc(0);
    const expected = Buffer.concat([Buffer.from(this.#gs2Header, 'utf8'), cbData]);
    if (attrs[1]![1] !== this.#nonce) return { error: 'wrong nonce' };
    this.#bindingMatches = binding.equals(expected);
    this.#withoutProof = text.slice(0, text.lastIndexOf(',p='));
    this.#proof = proof;
    return { ok: true };
  }

  /** Checks the binding and the proof against the stored keys: the server-final-message when both hold, else null. */
  verify(keys: ScramKeys): string | null {
    if (!this.#bindingMatches) return null;
    const authMessage = `${this.#bare},${this.#serverFirst},${this.#withoutProof}`;
    const storedKey = Buffer.from(keys.storedKey, 'base64');
    const signature = hmac(storedKey, authMessage);
    if (this.#proof.length !== signature.length) return null;
    const clientKey = Buffer.alloc(signature.length);
    for (let i = 0; i < signature.length; i++) clientKey[i] = this.#proof[i]! ^ signature[i]!;
    if (!timingSafeEqual(sha256(clientKey), storedKey)) return null;
    return `v=${hmac(Buffer.from(keys.serverKey, 'base64'), authMessage).toString('base64')}`;
  }
}
